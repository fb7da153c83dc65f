{#-
    The helpdesk's SLA verdicts beside Support Pulse's, one row per ticket and metric
    that either side measured (the metrics Support Pulse has policies for; the
    helpdesk's first instance of each), per vendor when several report on a ticket.
    A row agrees when both sides have it with the same outcome, the same target
    minutes and the same clock (business hours or not).
    Otherwise `reason` names the first explanation that fits, in this order
    (transforms/DECISIONLOG.md, "Vendor SLA reconciliation"):
      event_missing_pulse   the helpdesk measured it, Support Pulse has no target (free
                            tier, proactive ticket, metric completed differently)
      event_missing_vendor  Support Pulse has a target, the helpdesk applied no SLA
      priority_retarget     the priority changed or the helpdesk re-applied its target
      tier_at_creation      the helpdesk's target is our policy for another tier at
                            this priority (its idea of the customer's plan differs)
      policy_or_target      the targets or clocks differ for another reason
      business_calendar     same target on business hours, different verdict: the
                            calendars (holidays, hours, time zone) differ
      pause_handling        same target, different verdict, and the clock was paused
                            (pending or on hold) on either side
      unexplained           none of the above
-#}
with

policies as (

    select * from {{ ref('sla_policies') }}

),

compared_metrics as (

    -- next_reply verdicts are kept but not compared yet: Zendesk counts reply_time
    -- instances by its own rules, and instance matching needs its own reasons. The
    -- compared metrics have one Pulse outcome per ticket, so no instance filter is
    -- needed on Support Pulse's side.
    select distinct metric from policies
    where metric in ('first_response', 'resolution')

),

vendor as (

    -- the helpdesk's first instance of each compared metric
    select * from {{ ref('int_vendor_sla_verdicts') }}
    where
        instance_id = 1
        and metric in (select compared_metrics.metric from compared_metrics)

),

pulse as (

    -- nothing to compare without a vendor import: without this guard every Pulse
    -- outcome became an event_missing_vendor row (about 2 M rows at 1 M tickets)
    select * from {{ ref('fct_sla_outcomes') }}
    where
        metric in (select compared_metrics.metric from compared_metrics)
        and exists (select 1 from vendor)

),

joined as (

    select
        coalesce(pulse.ticket_id, vendor.ticket_id) as ticket_id,
        coalesce(pulse.metric, vendor.metric) as metric,
        vendor.vendor,
        vendor.vendor_metric,
        vendor.policy_name as vendor_policy,
        vendor.target_minutes as vendor_target_minutes,
        vendor.is_business_hours as vendor_business_hours,
        vendor.vendor_outcome,
        vendor.breached_at as vendor_breached_at,
        vendor.fulfilled_at as vendor_fulfilled_at,
        pulse.support_tier as pulse_support_tier,
        pulse.priority as pulse_priority,
        pulse.clock as pulse_clock,
        pulse.target_minutes as pulse_target_minutes,
        pulse.outcome as pulse_outcome,
        pulse.outcome_at as pulse_outcome_at,
        vendor.ticket_id is not null as has_vendor,
        pulse.ticket_id is not null as has_pulse,
        coalesce(vendor.priority_change_count > 0 or vendor.target_count > 1, false)
            as is_retargeted,
        coalesce(vendor.pause_count > 0 or vendor.pause_status_count > 0, false) as was_paused
    from pulse
    full outer join vendor
        on
            pulse.ticket_id = vendor.ticket_id
            and pulse.metric = vendor.metric

),

other_tiers as (

    -- a vendor target that equals our policy for another tier at the same priority
    select distinct
        joined.ticket_id,
        joined.metric
    from joined
    inner join policies
        on
            joined.metric = policies.metric
            and joined.pulse_priority = policies.priority
            and joined.pulse_support_tier != policies.support_tier
            and joined.vendor_target_minutes = policies.target_minutes
            and joined.vendor_business_hours = (policies.clock = 'business')

),

classified as (

    select
        joined.*,
        joined.has_vendor
        and joined.has_pulse
        and joined.vendor_target_minutes = joined.pulse_target_minutes
        and joined.vendor_business_hours = (joined.pulse_clock = 'business')
            as is_same_target,
        other_tiers.ticket_id is not null as matches_other_tier
    from joined
    left join other_tiers
        on
            joined.ticket_id = other_tiers.ticket_id
            and joined.metric = other_tiers.metric

),

final as (

    select
        ticket_id,
        metric,
        vendor,
        vendor_metric,
        vendor_policy,
        vendor_target_minutes,
        vendor_business_hours,
        vendor_outcome,
        vendor_breached_at,
        vendor_fulfilled_at,
        pulse_support_tier,
        pulse_priority,
        pulse_clock,
        pulse_target_minutes,
        pulse_outcome,
        pulse_outcome_at,
        coalesce(is_same_target and vendor_outcome = pulse_outcome, false) as is_agreed,
        case
            when coalesce(is_same_target and vendor_outcome = pulse_outcome, false) then null
            when not has_pulse then 'event_missing_pulse'
            when not has_vendor then 'event_missing_vendor'
            when is_retargeted then 'priority_retarget'
            when not is_same_target and matches_other_tier then 'tier_at_creation'
            when not is_same_target then 'policy_or_target'
            when pulse_clock = 'business' then 'business_calendar'
            when was_paused then 'pause_handling'
            else 'unexplained'
        end as reason
    from classified

)

select * from final
