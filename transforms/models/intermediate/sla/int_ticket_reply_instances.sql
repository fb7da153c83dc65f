{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
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
    Set-based: the status at a comment and the priority at an answer are as-of joins;
    the turns (answers and waiting customer comments) get one running window, and the
    answer to an instance is found by an equality join on the number of answers so far.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

tickets as (

    select
        ticket_id,
        lower(priority) as priority
    from {{ ref('stg_helpdesk__tickets') }}
    where
        created_at <= {{ pulse_as_of() }}
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}
    where
        event_at <= {{ pulse_as_of() }}
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

intervals as (

    select
        ticket_id,
        opened_by_event_id,
        status,
        is_resolution,
        started_at,
        coalesce(ended_at, cast('9999-12-31 00:00:00' as timestamp)) as ended_at
    from {{ ref('int_ticket_status_intervals') }}

),

states as (

    select
        ticket_id,
        current_priority
    from {{ ref('int_ticket_completion_states') }}

),

comments as (

    select
        ticket_id,
        event_id,
        event_at,
        actor_role,
        actor_id
    from events
    where
        event_type = 'comment'
        and is_public
        and actor_role in ('customer', 'agent')

),

priority_changes as (

    select
        ticket_id,
        event_id,
        event_at,
        lower(from_value) as from_value,
        lower(to_value) as to_value,
        coalesce(
            lead(event_at) over (partition by ticket_id order by event_at, event_id),
            cast('9999-12-31 00:00:00' as timestamp)
        ) as next_change_at
    from events
    where event_type = 'priority_changed'

),

initial_priorities as (

    select
        ticket_id,
        {{ pulse_first_by('from_value', 'event_at', 'event_id') }} as initial_priority
    from priority_changes
    group by ticket_id

),

-- a customer's comment waits only while the ticket is not solved or closed (a "thanks"
-- on a solved ticket waits for nothing)
waiting_comments as (

    select
        comments.ticket_id,
        comments.event_id,
        comments.event_at,
        'customer' as turn,
        cast(null as {{ dbt.type_string() }}) as engineer_id
    from comments
    {{ pulse_asof_left_join("intervals", "status_at", "comments.event_at",
        "started_at", "ended_at", by=[("comments.ticket_id", "ticket_id")]) }}
    where
        comments.actor_role = 'customer'
        and coalesce(status_at.status not in ('solved', 'closed'), true)

),

turns as (

    select * from waiting_comments

    union all

    select
        ticket_id,
        event_id,
        event_at,
        'answer' as turn,
        actor_id as engineer_id
    from comments
    where actor_role = 'agent'

    union all

    select
        ticket_id,
        opened_by_event_id as event_id,
        started_at as event_at,
        'answer' as turn,
        cast(null as {{ dbt.type_string() }}) as engineer_id
    from intervals
    -- a solve answers: each move into solved or closed (closed after solved adds nothing)
    where is_resolution

),

sequenced as (

    select
        *,
        lag(turn) over ticket_turns as previous_turn,
        -- the window spelt out: Spark cannot add a frame to a named window
        sum(case when turn = 'answer' then 1 else 0 end) over (
            partition by ticket_id order by event_at, event_id
            rows between unbounded preceding and current row
        ) as answers_so_far
    from turns
    window ticket_turns as (partition by ticket_id order by event_at, event_id)

),

answers as (

    select
        ticket_id,
        answers_so_far as answer_number,
        event_at as answered_at,
        engineer_id
    from sequenced
    where turn = 'answer'

),

answered as (

    select
        sequenced.ticket_id,
        cast(row_number() over (
            partition by sequenced.ticket_id
            order by sequenced.event_at, sequenced.event_id
        ) as integer) as instance,
        sequenced.event_id as started_by_event_id,
        sequenced.event_at as started_at,
        answers.answered_at as completed_at,
        answers.engineer_id
    from sequenced
    left join answers
        on
            sequenced.ticket_id = answers.ticket_id
            and sequenced.answers_so_far + 1 = answers.answer_number
    where sequenced.turn = 'customer' and sequenced.previous_turn = 'answer'

),

-- the priority at the answer, looked up for the answered instances only
final as (

    select
        answered.ticket_id,
        answered.instance,
        answered.started_by_event_id,
        answered.started_at,
        answered.completed_at,
        answered.engineer_id,
        case
            when answered.completed_at is null
                then coalesce(states.current_priority, tickets.priority)
            else coalesce(
                change_at.to_value, initial_priorities.initial_priority, tickets.priority
            )
        end as priority
    from answered
    inner join tickets on answered.ticket_id = tickets.ticket_id
    left join states on answered.ticket_id = states.ticket_id
    left join initial_priorities on answered.ticket_id = initial_priorities.ticket_id
    {{ pulse_asof_left_join("priority_changes", "change_at", "answered.completed_at",
        "event_at", "next_change_at", by=[("answered.ticket_id", "ticket_id")]) }}

)

select * from final
