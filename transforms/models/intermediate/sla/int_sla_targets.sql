{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    One row per ticket and SLA metric that has a target: the policy row of the tier at
    creation and the priority in force when the metric completed (for a metric still
    running, the current priority), measured from creation. Free-tier tickets have no
    targets; proactive tickets have no first-response target.

    Policy versions: the row whose [valid_from, valid_to) holds the ticket's Moscow date
    of creation (the policy in force at creation; DECISIONLOG "Versioned policies").
    Schedule: the first rule of business_schedule_rules (by rule_order) whose non-empty
    conditions (tier, priority, account region, ticket group) all match; a business
    clock then follows that schedule's hours, zone and holidays. Rules are resolved
    once per distinct (tier, priority, region, group), then joined by equality.

    Next reply: one row per instance (int_ticket_reply_instances; `instance` is 0 for the
    other metrics). What-if: besides the `live` rows (scenario = 'live'), a row per draft
    scenario (seeds/sla_policy_drafts.csv) for each ticket metric a draft row covers
    with a different target or clock - only the rows a draft changes, so the clocks
    compute nothing twice for unaffected tickets.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    where
        created_at <= {{ pulse_as_of() }}
        -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

tiers as (

    select * from {{ ref('int_ticket_tiers_resolved') }}

),

first_responses as (

    select * from {{ ref('int_ticket_first_responses') }}

),

milestones as (

    select * from {{ ref('int_ticket_milestones') }}

),

states as (

    select * from {{ ref('int_ticket_completion_states') }}

),

policies as (

    select * from {{ ref('sla_policies') }}

),

draft_policies as (

    select * from {{ ref('sla_policy_drafts') }}

),

reply_instances as (

    select * from {{ ref('int_ticket_reply_instances') }}

),

schedule_rules as (

    select * from {{ ref('business_schedule_rules') }}

),

accounts as (

    select
        account_id,
        region
    from {{ ref('stg_crm__accounts') }}

),

metrics as (

    select
        tickets.ticket_id,
        'first_response' as metric,
        0 as instance,
        tiers.support_tier,
        tiers.created_date_local,
        case
            when first_responses.first_response_at is not null
                then states.priority_at_first_response
            else states.current_priority
        end as priority,
        tickets.created_at as started_at,
        first_responses.first_response_at as completed_at,
        first_responses.first_responder_id as engineer_id,
        tickets.account_id,
        tickets.group_name
    from tickets
    inner join tiers on tickets.ticket_id = tiers.ticket_id
    inner join first_responses on tickets.ticket_id = first_responses.ticket_id
    inner join states on tickets.ticket_id = states.ticket_id
    where not first_responses.is_proactive

    union all

    select
        tickets.ticket_id,
        'resolution' as metric,
        0 as instance,
        tiers.support_tier,
        tiers.created_date_local,
        case
            when milestones.resolved_at is not null
                then states.priority_at_resolution
            else states.current_priority
        end as priority,
        tickets.created_at as started_at,
        milestones.resolved_at as completed_at,
        states.solver_id as engineer_id,
        tickets.account_id,
        tickets.group_name
    from tickets
    inner join tiers on tickets.ticket_id = tiers.ticket_id
    inner join states on tickets.ticket_id = states.ticket_id
    left join milestones on tickets.ticket_id = milestones.ticket_id

    union all

    select
        tickets.ticket_id,
        'next_reply' as metric,
        reply_instances.instance,
        tiers.support_tier,
        tiers.created_date_local,
        reply_instances.priority,
        reply_instances.started_at,
        reply_instances.completed_at,
        reply_instances.engineer_id,
        tickets.account_id,
        tickets.group_name
    from tickets
    inner join tiers on tickets.ticket_id = tiers.ticket_id
    inner join reply_instances on tickets.ticket_id = reply_instances.ticket_id

),

with_region as (

    select
        metrics.*,
        accounts.region
    from metrics
    left join accounts on metrics.account_id = accounts.account_id

),

-- the few distinct combinations the rules look at, each mapped to its first matching rule
rule_keys as (

    select distinct
        support_tier,
        priority,
        region,
        group_name
    from with_region

),

schedule_choice as (

    select
        rule_keys.support_tier,
        rule_keys.priority,
        rule_keys.region,
        rule_keys.group_name,
        {{ pulse_first_by_key('schedule_rules.schedule_id', 'schedule_rules.rule_order') }}
            as schedule_id
    from rule_keys
    inner join schedule_rules
        on
            (
                schedule_rules.support_tier is null
                or rule_keys.support_tier = schedule_rules.support_tier
            )
            and (schedule_rules.priority is null or rule_keys.priority = schedule_rules.priority)
            and (schedule_rules.region is null or rule_keys.region = schedule_rules.region)
            and (
                schedule_rules.group_name is null
                or rule_keys.group_name = schedule_rules.group_name
            )
    group by rule_keys.support_tier, rule_keys.priority, rule_keys.region, rule_keys.group_name

),

live as (

    select
        'live' as scenario,
        metrics.ticket_id,
        metrics.metric,
        metrics.instance,
        metrics.support_tier,
        metrics.priority,
        policies.clock,
        policies.target_minutes,
        metrics.started_at,
        metrics.completed_at,
        metrics.completed_at is not null as is_completed,
        metrics.engineer_id,
        coalesce(schedule_choice.schedule_id, '{{ var("reference_schedule_id") }}')
            as schedule_id,
        policies.valid_from as policy_valid_from,
        metrics.created_date_local
    from with_region as metrics
    inner join policies
        on
            metrics.support_tier = policies.support_tier
            and metrics.priority = policies.priority
            and metrics.metric = policies.metric
            and metrics.created_date_local >= policies.valid_from
            and (policies.valid_to is null or metrics.created_date_local < policies.valid_to)
    left join schedule_choice
        on
            metrics.support_tier = schedule_choice.support_tier
            and metrics.priority = schedule_choice.priority
            and metrics.region is not distinct from schedule_choice.region
            and metrics.group_name is not distinct from schedule_choice.group_name

),

drafted as (

    select
        draft_policies.scenario,
        live.ticket_id,
        live.metric,
        live.instance,
        live.support_tier,
        live.priority,
        draft_policies.clock,
        draft_policies.target_minutes,
        live.started_at,
        live.completed_at,
        live.is_completed,
        live.engineer_id,
        live.schedule_id,
        draft_policies.valid_from as policy_valid_from,
        live.created_date_local
    from live
    inner join draft_policies
        on
            live.support_tier = draft_policies.support_tier
            and live.priority = draft_policies.priority
            and live.metric = draft_policies.metric
            and live.created_date_local >= draft_policies.valid_from
            and (
                draft_policies.valid_to is null
                or live.created_date_local < draft_policies.valid_to
            )
    where
        draft_policies.target_minutes != live.target_minutes
        or draft_policies.clock != live.clock

),

final as (

    select * from live
    union all
    select * from drafted

)

select
    scenario,
    ticket_id,
    metric,
    instance,
    support_tier,
    priority,
    clock,
    target_minutes,
    started_at,
    completed_at,
    is_completed,
    engineer_id,
    schedule_id,
    policy_valid_from
from final
