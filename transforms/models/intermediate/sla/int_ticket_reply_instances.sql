{#-
    One row per next-reply instance (the third SLA metric, DECISIONLOG "Next reply"): a
    customer's public comment waiting for the next public agent reply.
    - An instance starts at a customer public comment made while the ticket is not
      solved or closed, when the customer's previous message was answered (an agent's
      public comment or a solve came after it) - the first response is its own metric,
      so a customer comment before any answer starts none. Further customer comments
      before the answer belong to the same instance: the oldest unanswered message sets
      the clock.
    - It completes at the next public agent comment, or at the next solve if that comes
      first (a solve answers the customer); else it runs to var('as_of').
    - Priority deciding the target: the one in force at completion (current priority
      while running), like the other metrics.
    Set-based: one pass of window functions over each ticket's event stream, ordered by
    (event_at, event_id) with the created event first.
-#}
with

tickets as (

    select
        ticket_id,
        created_at,
        lower(priority) as priority
    from {{ ref('stg_helpdesk__tickets') }}
    where created_at <= {{ pulse_as_of() }}

),

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

stream as (

    select
        events.ticket_id,
        events.event_id,
        events.event_at,
        case when events.event_type = 'created' then 0 else 1 end as event_rank,
        case
            when events.event_type = 'comment' and events.actor_role = 'customer'
                then 'customer'
            when events.event_type = 'comment' and events.actor_role = 'agent' then 'agent'
        end as comment_role,
        events.actor_id,
        case
            when events.event_type = 'created' then 'new'
            when events.event_type = 'status_changed' then lower(events.to_value)
        end as status,
        case when events.event_type = 'priority_changed' then lower(events.to_value) end
            as priority_to,
        case when events.event_type = 'priority_changed' then lower(events.from_value) end
            as priority_from,
        tickets.priority as ticket_priority
    from events
    inner join tickets on events.ticket_id = tickets.ticket_id
    where
        events.event_at <= {{ pulse_as_of() }}
        and (
            events.event_type in ('created', 'status_changed', 'priority_changed')
            or (
                events.event_type = 'comment'
                and events.is_public
                and events.actor_role in ('customer', 'agent')
            )
        )

),

states as (

    select
        *,
        last_value(status ignore nulls) over (
            ticket_timeline rows between unbounded preceding and current row
        ) as status_now,
        coalesce(
            last_value(priority_to ignore nulls) over (
                ticket_timeline rows between unbounded preceding and current row
            ),
            first_value(priority_from ignore nulls) over (
                ticket_timeline rows between unbounded preceding and unbounded following
            ),
            ticket_priority
        ) as priority_now
    from stream
    window ticket_timeline as (partition by ticket_id order by event_at, event_rank, event_id)

),

-- whose turn it is: an agent's public comment or a solve answers; a customer's comment
-- on an unsolved ticket waits (a "thanks" on a solved ticket waits for nothing)
turns as (

    select
        *,
        case
            when comment_role = 'agent' or status in ('solved', 'closed') then 'answer'
            when comment_role = 'customer' and status_now not in ('solved', 'closed')
                then 'customer'
        end as turn
    from states

),

sequenced as (

    select
        *,
        last_value(turn ignore nulls) over (
            ticket_timeline rows between unbounded preceding and 1 preceding
        ) as previous_turn,
        first_value(case when turn = 'answer' then event_at end ignore nulls) over (
            ticket_timeline rows between 1 following and unbounded following
        ) as answered_at,
        first_value(case when turn = 'answer' then coalesce(comment_role, 'solve') end ignore nulls) over (
            ticket_timeline rows between 1 following and unbounded following
        ) as answered_by_role,
        first_value(case when turn = 'answer' then coalesce(actor_id, '') end ignore nulls)
            over (ticket_timeline rows between 1 following and unbounded following)
            as answered_by_actor_id,
        first_value(case when turn = 'answer' then priority_now end ignore nulls) over (
            ticket_timeline rows between 1 following and unbounded following
        ) as priority_at_answer,
        last_value(priority_now) over (
            ticket_timeline rows between unbounded preceding and unbounded following
        ) as current_priority
    from turns
    window ticket_timeline as (partition by ticket_id order by event_at, event_rank, event_id)

),

final as (

    select
        ticket_id,
        cast(row_number() over (partition by ticket_id order by event_at, event_id) as integer)
            as instance,
        event_id as started_by_event_id,
        event_at as started_at,
        answered_at as completed_at,
        case
            when answered_by_role = 'agent' then nullif(answered_by_actor_id, '')
        end as engineer_id,
        coalesce(priority_at_answer, current_priority) as priority
    from sequenced
    where turn = 'customer' and previous_turn = 'answer'

)

select * from final
