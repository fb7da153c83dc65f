{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    The stretches of time during which each ticket's SLA clocks run, one row per
    ticket x metric x stretch, for every ticket (with or without a target):
    - first_response: one stretch from creation to the first response (no pauses);
    - resolution: every period in new, open or on_hold (pending and solved pause the
      clock, a reopen resumes it), clipped to start no earlier than creation; the time
      between creation and the first logged status counts as `new`;
    - next_reply: one stretch per instance (int_ticket_reply_instances), from the
      customer's comment to the answer (no pauses).
    `instance` numbers the next-reply instances of a ticket (0 for the other metrics).
    segment_end_at is null for a stretch still running (it runs to var('as_of')).

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

tickets as (

    select
        ticket_id,
        created_at
    from {{ ref('stg_helpdesk__tickets') }}
    where
        created_at <= {{ pulse_as_of() }}
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

intervals as (

    select * from {{ ref('int_ticket_status_intervals') }}

),

first_responses as (

    select * from {{ ref('int_ticket_first_responses') }}

),

milestones as (

    select * from {{ ref('int_ticket_milestones') }}

),

reply_instances as (

    select * from {{ ref('int_ticket_reply_instances') }}

),

first_response_segments as (

    select
        tickets.ticket_id,
        'first_response' as metric,
        0 as instance,
        0 as segment_number,
        tickets.created_at as segment_start_at,
        case
            when first_responses.first_response_at < tickets.created_at then tickets.created_at
            else first_responses.first_response_at
        end as segment_end_at
    from tickets
    inner join first_responses on tickets.ticket_id = first_responses.ticket_id

),

-- from creation to the first logged status (or still running when nothing is logged)
leading_segments as (

    select
        tickets.ticket_id,
        'resolution' as metric,
        0 as instance,
        0 as segment_number,
        tickets.created_at as segment_start_at,
        milestones.first_status_at as segment_end_at
    from tickets
    left join milestones on tickets.ticket_id = milestones.ticket_id
    where
        milestones.first_status_at is null
        or milestones.first_status_at > tickets.created_at

),

running_segments as (

    select
        tickets.ticket_id,
        'resolution' as metric,
        0 as instance,
        intervals.interval_number as segment_number,
        case
            when intervals.started_at < tickets.created_at then tickets.created_at
            else intervals.started_at
        end as segment_start_at,
        intervals.ended_at as segment_end_at
    from intervals
    inner join tickets on intervals.ticket_id = tickets.ticket_id
    where
        intervals.is_clock_running
        and (intervals.ended_at is null or intervals.ended_at > tickets.created_at)

),

next_reply_segments as (

    select
        ticket_id,
        'next_reply' as metric,
        instance,
        0 as segment_number,
        started_at as segment_start_at,
        completed_at as segment_end_at
    from reply_instances

),

unioned as (

    select * from first_response_segments
    union all
    select * from leading_segments
    union all
    select * from running_segments
    union all
    select * from next_reply_segments

),

final as (

    select
        ticket_id,
        metric,
        instance,
        segment_number,
        segment_start_at,
        segment_end_at,
        segment_end_at is null as is_running
    from unioned
    where
        segment_end_at is null or segment_end_at > segment_start_at
        or (metric in ('first_response', 'next_reply') and segment_end_at = segment_start_at)

)

select * from final
