{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    SLA clocks of the metrics whose policy clock is `calendar` (24/7): elapsed seconds
    over the running stretches, and the due moment - where the running clock reaches
    the target. A metric that completed within target, or is still running, is due at
    its resume point (completion, or as_of) plus the time left; a paused clock that has
    not reached its target has no due time yet.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

targets as (

    select * from {{ ref('int_sla_targets') }}
    where
        clock = 'calendar'
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

segments as (

    select * from {{ ref('int_sla_clock_segments') }}
    where true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

positioned as (

    select
        targets.scenario,
        targets.ticket_id,
        targets.metric,
        targets.instance,
        targets.target_minutes * 60 as target_seconds,
        segments.segment_number,
        segments.is_running,
        {{ pulse_epoch_seconds('segments.segment_start_at') }} as start_position,
        {{ pulse_epoch_seconds('coalesce(segments.segment_end_at, ' ~ pulse_as_of() ~ ')') }}
            as end_position
    from targets
    inner join segments
        on
            targets.ticket_id = segments.ticket_id
            and targets.metric = segments.metric
            and targets.instance = segments.instance

),

{{ pulse_clock_progress('positioned') }},

final as (

    select
        targets.scenario,
        targets.ticket_id,
        targets.metric,
        targets.instance,
        coalesce(per_metric.elapsed_seconds, 0) as elapsed_seconds,
        not targets.is_completed and not coalesce(per_metric.is_running, false) as is_paused,
        {{ pulse_timestamp_from_epoch_seconds(
            'coalesce(per_metric.crossing_position, case'
            ~ ' when targets.is_completed then ' ~ pulse_epoch_seconds('targets.completed_at')
            ~ ' when per_metric.is_running then ' ~ pulse_epoch_seconds(pulse_as_of())
            ~ ' end + targets.target_minutes * 60 - coalesce(per_metric.elapsed_seconds, 0))'
        ) }} as due_at
    from targets
    left join per_metric
        on
            targets.scenario = per_metric.scenario
            and targets.ticket_id = per_metric.ticket_id
            and targets.metric = per_metric.metric
            and targets.instance = per_metric.instance

)

select * from final
