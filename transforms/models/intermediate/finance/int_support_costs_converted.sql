-- One row per month and cost category, in the original currency and in USD and RUB at
-- the month's rate from the fx_rates seed (carried forward when the seed has no row).

with

support_costs as (

    select * from {{ ref('stg_finance__support_costs') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

final as (

    select
        support_costs.cost_month,
        {{ month_label('support_costs.cost_month') }} as month,
        support_costs.cost_category,
        support_costs.currency,
        cast(support_costs.amount as double) as amount,
        cast(fx_rates.rate_to_usd as double) as rate_to_usd,
        cast(fx_rates.rate_to_rub as double) as rate_to_rub,
        cast(support_costs.amount * fx_rates.rate_to_usd as double) as amount_usd,
        cast(support_costs.amount * fx_rates.rate_to_rub as double) as amount_rub,
        coalesce(fx_rates.is_carried_over, true) as is_rate_carried_over
    from support_costs
    left join fx_rates
        on
            support_costs.cost_month = fx_rates.fx_month
            and support_costs.currency = fx_rates.currency

)

select * from final
