{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    SLA clocks of the metrics whose policy clock is `business`: only minutes inside the
    business windows of working days count (business time zone; weekends, holidays and
    transferred days off excluded; a stretch starting out of hours starts at the next
    business minute). Positions on the business clock come from int_calendar_days
    (an as-of join on the day's UTC start), due moments from int_business_windows (one as-of
    join) - no ticket is expanded into minutes. Same rules as int_sla_clocks_calendar.
    Every join carries the ticket's schedule_id (its hours, zone and holidays): a
    schedule is one more equality key, not more rows.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

targets as (

    select * from {{ ref('int_sla_targets') }}
    where
        clock = 'business'
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

segments as (

    select * from {{ ref('int_sla_clock_segments') }}
    where true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

business_windows as (

    select * from {{ ref('int_business_windows') }}

),

as_of_position as (

    select
        as_of_day.schedule_id,
        {{ pulse_business_position(pulse_as_of(), 'as_of_day') }} as business_position
    from calendar_days as as_of_day
    where
        {{ pulse_as_of() }} >= as_of_day.day_start_at
        and {{ pulse_as_of() }} < as_of_day.next_day_start_at

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
        {{ pulse_business_position('segments.segment_start_at', 'start_day') }} as start_position,
        case
            when segments.segment_end_at is null then as_of_position.business_position
            else {{ pulse_business_position('segments.segment_end_at', 'end_day') }}
        end as end_position
    from targets
    inner join segments
        on
            targets.ticket_id = segments.ticket_id
            and targets.metric = segments.metric
            and targets.instance = segments.instance
    inner join as_of_position on targets.schedule_id = as_of_position.schedule_id
    {{ pulse_asof_left_join("calendar_days", "start_day", "segments.segment_start_at",
        "day_start_at", "next_day_start_at", by=[("targets.schedule_id", "schedule_id")]) }}
    {{ pulse_asof_left_join("calendar_days", "end_day", "segments.segment_end_at",
        "day_start_at", "next_day_start_at", by=[("targets.schedule_id", "schedule_id")]) }}

),

{{ pulse_clock_progress('positioned') }},

due_positions as (

    select
        targets.scenario,
        targets.ticket_id,
        targets.metric,
        targets.instance,
        targets.schedule_id,
        coalesce(per_metric.elapsed_seconds, 0) as elapsed_seconds,
        not targets.is_completed and not coalesce(per_metric.is_running, false) as is_paused,
        coalesce(
            per_metric.crossing_position,
            case
                when targets.is_completed
                    then {{ pulse_business_position('targets.completed_at', 'completed_day') }}
                when per_metric.is_running then as_of_position.business_position
            end + targets.target_minutes * 60 - coalesce(per_metric.elapsed_seconds, 0)
        ) as due_position
    from targets
    inner join as_of_position on targets.schedule_id = as_of_position.schedule_id
    left join per_metric
        on
            targets.scenario = per_metric.scenario
            and targets.ticket_id = per_metric.ticket_id
            and targets.metric = per_metric.metric
            and targets.instance = per_metric.instance
    {{ pulse_asof_left_join("calendar_days", "completed_day", "targets.completed_at",
        "day_start_at", "next_day_start_at", by=[("targets.schedule_id", "schedule_id")]) }}

),

final as (

    select
        due_positions.scenario,
        due_positions.ticket_id,
        due_positions.metric,
        due_positions.instance,
        due_positions.elapsed_seconds,
        due_positions.is_paused,
        case
            when due_positions.due_position <= business_windows.business_seconds_after then
            {{ pulse_timestamp_from_epoch_seconds(
                'business_windows.window_start_epoch_seconds + due_positions.due_position'
                ~ ' - business_windows.business_seconds_before'
            ) }}
        end as due_at
    from due_positions
    {{ pulse_asof_left_join("business_windows", "business_windows", "due_positions.due_position",
        "business_seconds_before", "business_seconds_after", strict=true,
        by=[("due_positions.schedule_id", "schedule_id")]) }}

)

select * from final
