-- One row per key result, month and breakdown values (support tier, segment, region) with the
-- additive numerator and denominator of the SLA KRs (first_response_sla, resolution_sla,
-- sla_compliance): met over met + breached outcomes, by the business month of the outcome.
-- int_okr_actuals_unioned sums the months into periods.

with

sla_outcomes as (

    select * from {{ ref('int_sla_outcomes_resolved') }}

),

tickets as (

    select * from {{ ref('int_tickets_summarised') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

-- one pass over the outcomes: met and decided (met + breached) counts per metric,
-- business month and breakdown values; each KR below then reads these few rows
outcomes_monthly as (

    select
        sla_outcomes.metric,
        {{ business_month_of('sla_outcomes.outcome_at', 'qh') }} as month_start,
        sla_outcomes.support_tier,
        accounts.segment,
        accounts.region,
        cast(sum(case when sla_outcomes.outcome = 'met' then 1 else 0 end) as double)
            as met_count,
        cast(count(*) as double) as decided_count
    from sla_outcomes
    left join tickets
        on sla_outcomes.ticket_id = tickets.ticket_id
    left join accounts
        on tickets.account_id = accounts.account_id
    {{ business_periods_join('sla_outcomes.outcome_at', 'qh') }}
    where
        sla_outcomes.metric in ('first_response', 'resolution')
        and sla_outcomes.outcome in ('met', 'breached')
    group by 1, 2, 3, 4, 5

),

monthly_facts as (

    {% for kr_id, metric_filter in [
        ('first_response_sla', "= 'first_response'"),
        ('resolution_sla', "= 'resolution'"),
        ('sla_compliance', "in ('first_response', 'resolution')")
    ] %}
        {% if not loop.first %}union all{% endif %}

        select
            '{{ kr_id }}' as kr_id,
            month_start,
            support_tier,
            segment,
            region,
            met_count as numerator,
            decided_count as denominator
        from outcomes_monthly
        where metric {{ metric_filter }}
    {% endfor %}

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
