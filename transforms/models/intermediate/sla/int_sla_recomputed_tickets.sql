{#-
    The tickets this build recomputes in the per-ticket SLA models downstream of the
    event models (issue 16 item 3; DECISIONLOG "A refresh whose cost follows the
    change"). Those models (tiers, reply instances, clock segments, targets, both
    clocks, outcomes, ticket summaries) replace exactly these tickets' rows and carry
    every other ticket's rows from the previous build (macros/sla_incremental.sql,
    strategy pulse_ticket_replace).

    A full build lists every ticket (everything is recomputed). An incremental build
    reads the watermark the previous build left here (its newest landed batch and its
    as_of) and lists the tickets
    - with an event or a ticket row in a newer batch (new, late, re-sent), or an event
      or creation between the previous as_of and this one;
    - of an account whose account row or one of whose contracts came in a newer batch
      (tier at creation, the region choosing the business schedule);
    - not known to be done: a ticket whose current status is not solved or closed (or
      that has no status at all) has clocks that run to as_of. A ticket with no change
      above has the same status intervals as at the previous build, so "done now" is
      "done then", and a done ticket's every metric has completed;
    and every ticket when an engineer row changed (team attribution of outcomes and
    tickets), when as_of moved backwards, or when the previous build left no watermark
    (it recomputed nothing). Seeds and model code are not watched here: a change of
    either changes the project fingerprint, and `pulse build` then runs in full.
-#}
{%- set previous = adapter.get_relation(
    database=this.database, schema=this.schema, identifier=this.identifier
) -%}
{%- set incremental = previous is not none and not flags.FULL_REFRESH -%}
{#- The previous build's outcomes, read before this build replaces them. Not a ref:
    int_sla_outcomes_resolved is downstream of this model (it recomputes the tickets
    listed here), so it always runs after this model within a build, and what is read
    here is the copy the previous build left. -#}
{%- set previous_outcomes = adapter.get_relation(
    database=this.database, schema=this.schema, identifier='int_sla_outcomes_resolved'
) -%}
{%- set incremental = incremental and previous_outcomes is not none -%}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

engineers as (

    select * from {{ ref('stg_helpdesk__engineers') }}

),

-- read by the incremental branch only; outside it so that dbt records the dependency
-- when parsing (sqlfluff lints the full-build render, where it is unused)
status_intervals as (  -- noqa: ST03

    select * from {{ ref('int_ticket_status_intervals') }}

),

-- batch ids are one global load order, so the newest over all entities read serves
landed_batches as (

    select max(source_batch_id) as batch_id from events
    union all
    select max(source_batch_id) as batch_id from tickets
    union all
    select max(source_batch_id) as batch_id from accounts
    union all
    select max(source_batch_id) as batch_id from contracts
    union all
    select max(source_batch_id) as batch_id from engineers

),

watermark as (

    select
        max(batch_id) as built_through_batch_id,
        {{ pulse_as_of() }} as built_as_of
    from landed_batches

),

{% if incremental %}
previous_watermark as (

    select
        max(built_through_batch_id) as batch_id,
        max(built_as_of) as as_of
    from {{ this }}

),

changed_events as (

    select events.ticket_id
    from events
    cross join previous_watermark
    where
        events.source_batch_id > previous_watermark.batch_id
        or (
            events.event_at > previous_watermark.as_of
            and events.event_at <= {{ pulse_as_of() }}
        )

),

changed_ticket_rows as (

    select tickets.ticket_id
    from tickets
    cross join previous_watermark
    where
        tickets.source_batch_id > previous_watermark.batch_id
        or (
            tickets.created_at > previous_watermark.as_of
            and tickets.created_at <= {{ pulse_as_of() }}
        )

),

changed_accounts as (

    select accounts.account_id
    from accounts
    cross join previous_watermark
    where accounts.source_batch_id > previous_watermark.batch_id
    union
    select contracts.account_id
    from contracts
    cross join previous_watermark
    where contracts.source_batch_id > previous_watermark.batch_id

),

tickets_of_changed_accounts as (

    select tickets.ticket_id
    from tickets
    inner join changed_accounts on tickets.account_id = changed_accounts.account_id

),

done_tickets as (

    select ticket_id
    from status_intervals
    where ended_at is null and is_done

),

not_done_tickets as (

    select tickets.ticket_id
    from tickets
    anti join done_tickets on tickets.ticket_id = done_tickets.ticket_id

),

-- every ticket when an engineer changed, as_of went back or there is no watermark
everything_changed as (

    select tickets.ticket_id
    from tickets
    cross join previous_watermark
    where
        previous_watermark.batch_id is null
        or previous_watermark.as_of > {{ pulse_as_of() }}
        or exists (
            select 1
            from engineers
            where engineers.source_batch_id > previous_watermark.batch_id
        )

),

-- tickets whose inputs changed; the rest are recomputed only because they are not done
input_changed as (

    select ticket_id from changed_events
    union
    select ticket_id from changed_ticket_rows
    union
    select ticket_id from tickets_of_changed_accounts
    union
    select ticket_id from everything_changed

),

-- the earliest outcome moment of each input-changed ticket's completed clocks in the
-- previous build: where its old outcomes stood before this build replaces them
previous_completed_outcomes as (

    select
        previous_outcomes.ticket_id,
        min(previous_outcomes.outcome_at) as previous_completed_outcome_at
    from {{ previous_outcomes }} as previous_outcomes
    inner join input_changed on previous_outcomes.ticket_id = input_changed.ticket_id
    where previous_outcomes.completed_at is not null
    group by 1

),

recomputed as (

    select
        input_changed.ticket_id,
        true as has_changed_inputs,
        previous_completed_outcomes.previous_completed_outcome_at
    from input_changed
    left join previous_completed_outcomes
        on input_changed.ticket_id = previous_completed_outcomes.ticket_id
    union all
    select
        not_done_tickets.ticket_id,
        false as has_changed_inputs,
        cast(null as timestamp) as previous_completed_outcome_at
    from not_done_tickets
    anti join input_changed on not_done_tickets.ticket_id = input_changed.ticket_id

),
{% else %}
-- a full build recomputes every ticket (the event log names tickets the ticket
-- extract may not have yet); sqlfluff indents this branch by the other one's depth
-- noqa: disable=LT02
recomputed as (

    select
        ticket_id,
        true as has_changed_inputs,
        cast(null as timestamp) as previous_completed_outcome_at
    from (
        select ticket_id from tickets
        union
        select ticket_id from events
    ) as every_ticket

),
-- noqa: enable=LT02
{% endif %}

final as (

    select
        recomputed.ticket_id,
        recomputed.has_changed_inputs,
        recomputed.previous_completed_outcome_at,
        watermark.built_through_batch_id,
        watermark.built_as_of
    from recomputed
    cross join watermark

)

select * from final
