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

monthly_facts as (

    {% for kr_id, metric_filter in [
        ('first_response_sla', "= 'first_response'"),
        ('resolution_sla', "= 'resolution'"),
        ('sla_compliance', "in ('first_response', 'resolution')")
    ] %}
        {% if not loop.first %}union all{% endif %}

        select
            '{{ kr_id }}' as kr_id,
            {{ business_month_of('sla_outcomes.outcome_at', 'qh') }} as month_start,
            sla_outcomes.support_tier,
            accounts.segment,
            accounts.region,
            cast(case when sla_outcomes.outcome = 'met' then 1 else 0 end as double) as numerator,
            cast(1 as double) as denominator
        from sla_outcomes
        left join tickets
            on sla_outcomes.ticket_id = tickets.ticket_id
        left join accounts
            on tickets.account_id = accounts.account_id
        {{ business_periods_join('sla_outcomes.outcome_at', 'qh') }}
        where
            sla_outcomes.metric {{ metric_filter }}
            and sla_outcomes.outcome in ('met', 'breached')
    {% endfor %}

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
