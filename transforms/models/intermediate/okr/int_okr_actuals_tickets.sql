-- One row per key result, month and breakdown values (support tier, segment, region) with the
-- additive numerator and denominator of the ticket KRs: fcr and escalation_rate over the
-- tickets solved in the business month, automation_share over the tickets created in it that
-- started in tier 1. int_okr_actuals_unioned sums the months into periods.

with

tickets as (

    select * from {{ ref('int_tickets_summarised') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

tickets_with_account as (

    select
        tickets.*,
        accounts.segment,
        accounts.region
    from tickets
    left join accounts
        on tickets.account_id = accounts.account_id

),

monthly_facts as (

    -- shares of the tickets solved in the month
    {% for kr_id, flag in [('fcr', 'is_fcr'), ('escalation_rate', 'is_escalated')] %}
        {% if not loop.first %}union all{% endif %}

        select
            '{{ kr_id }}' as kr_id,
            {{ business_month_of('tickets_with_account.solved_at', 'qh') }} as month_start,
            tickets_with_account.support_tier,
            tickets_with_account.segment,
            tickets_with_account.region,
            cast(case when tickets_with_account.{{ flag }} then 1 else 0 end as double)
                as numerator,
            cast(1 as double) as denominator
        from tickets_with_account
        {{ business_periods_join('tickets_with_account.solved_at', 'qh') }}
        where tickets_with_account.solved_at is not null and not tickets_with_account.is_open
    {% endfor %}

    union all

    select
        'automation_share' as kr_id,
        {{ business_month_of('tickets_with_account.created_at', 'qh') }} as month_start,
        tickets_with_account.support_tier,
        tickets_with_account.segment,
        tickets_with_account.region,
        cast(case when tickets_with_account.solved_by_bot then 1 else 0 end as double) as numerator,
        cast(1 as double) as denominator
    from tickets_with_account
    {{ business_periods_join('tickets_with_account.created_at', 'qh') }}
    where tickets_with_account.is_started_in_tier1

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
