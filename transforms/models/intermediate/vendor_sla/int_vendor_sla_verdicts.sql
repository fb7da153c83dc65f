{#-
    One row per ticket, metric and instance that the helpdesk measured against an SLA
    (at least one apply_sla event), with the helpdesk's own verdict: `breached` if it
    recorded a breach, else `met` if the metric was fulfilled, else `pending`. The
    target, business-hours flag and policy are those of the last apply_sla (a priority
    change makes the helpdesk re-apply); target_count > 1 says it re-targeted. The
    ticket's own context for explaining a disagreement rides along: priority changes and
    time spent pending or on hold in our event log, and the helpdesk's pause events.
-#}
with

vendor_events as (

    select * from {{ ref('stg_vendor_sla__events') }}
    where metric is not null

),

ticket_events as (

    select * from {{ ref('stg_helpdesk__ticket_events') }}

),

applied as (

    select
        vendor,
        ticket_id,
        metric,
        instance_id,
        event_at,
        target_minutes,
        is_business_hours,
        policy_name,
        row_number() over (
            partition by vendor, ticket_id, metric, instance_id
            order by event_at desc, event_id desc
        ) as recency
    from vendor_events
    where event_type in ('apply_sla', 'apply_group_sla')

),

per_instance as (

    select
        vendor,
        ticket_id,
        metric,
        instance_id,
        min(vendor_metric) as vendor_metric,
        min(case when event_type = 'breach' then event_at end) as breached_at,
        max(case when event_type = 'fulfill' then event_at end) as fulfilled_at,
        {{ pulse_count_if("event_type = 'pause'") }} as pause_count,
        count(
            distinct case
                when event_type in ('apply_sla', 'apply_group_sla') then target_minutes
            end
        ) as target_count
    from vendor_events
    group by vendor, ticket_id, metric, instance_id

),

ticket_context as (

    select
        ticket_id,
        {{ pulse_count_if("event_type = 'priority_changed'") }} as priority_change_count,
        {{ pulse_count_if(
            "event_type = 'status_changed' and lower(to_value) in ('pending', 'on_hold')"
        ) }} as pause_status_count
    from ticket_events
    group by ticket_id

),

final as (

    select
        per_instance.vendor,
        per_instance.ticket_id,
        per_instance.metric,
        per_instance.instance_id,
        per_instance.vendor_metric,
        applied.policy_name,
        applied.target_minutes,
        coalesce(applied.is_business_hours, false) as is_business_hours,
        per_instance.target_count,
        per_instance.breached_at,
        per_instance.fulfilled_at,
        case
            when per_instance.breached_at is not null then 'breached'
            when per_instance.fulfilled_at is not null then 'met'
            else 'pending'
        end as vendor_outcome,
        per_instance.pause_count,
        coalesce(ticket_context.priority_change_count, 0) as priority_change_count,
        coalesce(ticket_context.pause_status_count, 0) as pause_status_count
    from per_instance
    inner join applied
        on
            per_instance.vendor = applied.vendor
            and per_instance.ticket_id = applied.ticket_id
            and per_instance.metric = applied.metric
            and per_instance.instance_id = applied.instance_id
            and applied.recency = 1
    left join ticket_context
        on per_instance.ticket_id = ticket_context.ticket_id

)

select * from final
