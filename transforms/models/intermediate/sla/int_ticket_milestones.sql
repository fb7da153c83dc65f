{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
{#-
    Incremental (delete+insert per ticket, macros/sla_incremental.sql; issue 16): a
    ticket's row depends only on its own status intervals, so a build recomputes only
    the tickets whose events changed and carries the others.

    One row per ticket with a status timeline: where it stands now, its first and its
    last resolution (the last transition into solved - or closed straight from an open
    status - while it is still solved or closed now), and how many times it reopened.
-#}
with

intervals as (

    select * from {{ ref('int_ticket_status_intervals') }}
    -- incremental runs only: tickets changed since the last build. sqlfluff lints the
    -- full-refresh render, where the filter is empty, and so wants it at the CTE's indent
    where true
        {{ pulse_changed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

aggregated as (

    select
        ticket_id,
        {{ pulse_last_by_key('status', 'interval_number') }} as current_status,
        {{ pulse_last_by_key('is_done', 'interval_number') }} as is_done_now,
        {{ pulse_count_if('is_reopen') }} as reopen_count,
        min(case when is_resolution then started_at end) as first_solved_at,
        {{ pulse_first_by_key('opened_by_event_id', 'interval_number', 'is_resolution') }}
            as first_solve_event_id,
        {{ pulse_first_by_key('opened_by_actor_id', 'interval_number', 'is_resolution') }}
            as first_solve_actor_id,
        {{ pulse_first_by_key('opened_by_actor_role', 'interval_number', 'is_resolution') }}
            as first_solve_actor_role,
        max(case when is_resolution then started_at end) as last_solved_at,
        {{ pulse_last_by_key('opened_by_event_id', 'interval_number', 'is_resolution') }}
            as last_solve_event_id,
        {{ pulse_last_by_key('opened_by_actor_id', 'interval_number', 'is_resolution') }}
            as last_solve_actor_id,
        {{ pulse_last_by_key('opened_by_actor_role', 'interval_number', 'is_resolution') }}
            as last_solve_actor_role,
        min(started_at) as first_status_at
    from intervals
    group by ticket_id

),

final as (

    select
        ticket_id,
        current_status,
        not is_done_now as is_open,
        reopen_count,
        first_solved_at,
        first_solve_event_id,
        first_solve_actor_id,
        first_solve_actor_role,
        case when is_done_now then last_solved_at end as resolved_at,
        case when is_done_now then last_solve_event_id end as resolution_event_id,
        case when is_done_now then last_solve_actor_id end as resolved_by_actor_id,
        case when is_done_now then last_solve_actor_role end as resolved_by_actor_role,
        first_status_at,
        {{ pulse_watermark_columns() }}
    from aggregated

)

select * from final
