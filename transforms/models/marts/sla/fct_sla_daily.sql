{#-
    Daily SLA results for the wall and the trend charts: one row per business-time-zone
    date of outcome_at x support tier x priority x metric, with met, breached and
    compliance = met / (met + breached). Pending outcomes have no moment yet; the open
    count due on each date (as of var('as_of')) is given apart as pending.
    First response and resolution only: this mart feeds "overall SLA compliance"
    (DESIGN s5: both metrics together), and the dashboard sums it across metrics;
    next-reply outcomes are in fct_sla_outcomes (metric = 'next_reply').
-#}
with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

dated as (

    select
        {{ business_date('coalesce(outcome_at, due_at)') }} as outcome_date,
        support_tier,
        priority,
        metric,
        outcome
    from outcomes
    where
        metric in ('first_response', 'resolution')
        and (outcome_at is not null or (outcome = 'pending' and due_at is not null))

),

final as (

    select
        outcome_date,
        support_tier,
        priority,
        metric,
        {{ pulse_count_if("outcome = 'met'") }} as met_count,
        {{ pulse_count_if("outcome = 'breached'") }} as breached_count,
        {{ pulse_count_if("outcome = 'pending'") }} as pending_count,
        case
            when {{ pulse_count_if("outcome in ('met', 'breached')") }} > 0
                then
                    {{ pulse_count_if("outcome = 'met'") }} * 1.0
                    / {{ pulse_count_if("outcome in ('met', 'breached')") }}
        end as compliance
    from dated
    group by outcome_date, support_tier, priority, metric

)

select * from final
