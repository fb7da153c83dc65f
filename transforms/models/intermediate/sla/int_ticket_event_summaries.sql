{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
{#-
    Incremental (delete+insert per ticket, macros/sla_incremental.sql).

    One row per ticket: what its event log says besides status (see
    int_ticket_status_intervals): how it was created, its first public agent comment,
    its escalations. One pass over the events, grouped by ticket.
-#}
with

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}
    where
        event_at <= {{ pulse_as_of() }}
        -- only the events summarised here: fewer rows to group
        and (
            event_type in ('created', 'group_changed')
            or (event_type = 'comment' and is_public and actor_role = 'agent')
        )
        -- incremental runs only: tickets changed since the last build. sqlfluff lints the
        -- full-refresh render, where this is empty, and so wants it at the CTE's indent
        {{ pulse_changed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

classified as (

    select
        ticket_id,
        event_id,
        event_at,
        event_type,
        actor_id,
        actor_role,
        event_type = 'comment' and is_public and actor_role = 'agent' as is_public_agent_comment,
        -- escalation: group_changed to a higher tier (tier1 -> tier2/tier3/tam,
        -- tier2 -> tier3/tam); tier3 -> tam is not one
        (
            event_type = 'group_changed'
            and (case lower(to_value) when 'tier1' then 1 when 'tier2' then 2 else 3 end)
            > (case lower(from_value) when 'tier1' then 1 when 'tier2' then 2 else 3 end)
        ) as is_escalation,
        lower(from_value) as from_value,
        lower(to_value) as to_value
    from events

),

final as (

    select
        ticket_id,
        min(case when event_type = 'created' then event_at end) as created_event_at,
        {{ pulse_first_by_key('actor_role', 'event_at', "event_type = 'created'") }}
            as created_by_role,
        {{ pulse_first_by_key('actor_id', 'event_at', "event_type = 'created'") }}
            as created_by_actor_id,
        min(case when is_public_agent_comment then event_at end)
            as first_public_agent_comment_at,
        {{ pulse_first_by('event_id', 'event_at', 'event_id', 'is_public_agent_comment') }}
            as first_public_agent_comment_event_id,
        {{ pulse_first_by('actor_id', 'event_at', 'event_id', 'is_public_agent_comment') }}
            as first_public_agent_comment_actor_id,
        {{ pulse_count_if('is_public_agent_comment') }} as public_agent_comment_count,
        {{ pulse_count_if('is_escalation') }} as escalation_count,
        min(case when is_escalation then event_at end) as first_escalated_at,
        {{ pulse_first_by_key('from_value', 'event_at', 'is_escalation') }}
            as escalated_from_group,
        {{ pulse_last_by_key('to_value', 'event_at', 'is_escalation') }}
            as escalated_to_group,
        {{ pulse_first_by_key('from_value', 'event_at', "event_type = 'group_changed'") }}
            as initial_group,
        {{ pulse_watermark_columns() }}
    from classified
    group by ticket_id

)

select * from final
