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
    ticket's row depends only on its ticket row and its own events, so a build
    recomputes only the tickets whose events or ticket row changed.

    One row per ticket: its first response (DESIGN s5) - the first public comment by an
    agent; a ticket solved before any such comment completes its first response at that
    first solve. Proactive tickets (flagged, or created by an agent) are marked: they
    have no first-response target.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    -- incremental runs only: tickets changed since the last build. sqlfluff lints the
    -- full-refresh render, where the filter is empty, and so wants it at the CTE's indent
    where true
        {{ pulse_changed_tickets_filter('ticket_id', include_ticket_rows=true) }}  -- noqa: LT02

),

summaries as (

    select * from {{ ref('int_ticket_event_summaries') }}

),

milestones as (

    select * from {{ ref('int_ticket_milestones') }}

),

joined as (

    select
        tickets.ticket_id,
        tickets.created_at,
        tickets.is_proactive or coalesce(summaries.created_by_role = 'agent', false)
            as is_proactive,
        summaries.first_public_agent_comment_at,
        summaries.first_public_agent_comment_event_id,
        summaries.first_public_agent_comment_actor_id,
        milestones.first_solved_at,
        milestones.first_solve_event_id,
        milestones.first_solve_actor_id,
        milestones.first_solve_actor_role
    from tickets
    left join summaries
        on tickets.ticket_id = summaries.ticket_id
    left join milestones
        on tickets.ticket_id = milestones.ticket_id

),

final as (

    select
        ticket_id,
        created_at,
        is_proactive,
        case
            when
                first_public_agent_comment_at is not null
                and (first_solved_at is null or first_public_agent_comment_at <= first_solved_at)
                then 'agent_comment'
            when first_solved_at is not null then 'solved'
        end as first_response_method,
        case
            when
                first_public_agent_comment_at is not null
                and (first_solved_at is null or first_public_agent_comment_at <= first_solved_at)
                then first_public_agent_comment_at
            else first_solved_at
        end as first_response_at,
        case
            when
                first_public_agent_comment_at is not null
                and (first_solved_at is null or first_public_agent_comment_at <= first_solved_at)
                then first_public_agent_comment_event_id
            else first_solve_event_id
        end as first_response_event_id,
        -- attribution: the author of the first response; a first response completed
        -- by a solve goes to the solving agent (none when a bot or the customer solved)
        case
            when
                first_public_agent_comment_at is not null
                and (first_solved_at is null or first_public_agent_comment_at <= first_solved_at)
                then first_public_agent_comment_actor_id
            when first_solve_actor_role = 'agent' then first_solve_actor_id
        end as first_responder_id,
        {{ pulse_watermark_columns() }}
    from joined

)

select * from final
