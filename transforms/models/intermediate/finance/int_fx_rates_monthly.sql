-- One row per month and currency from the first seeded month (or the first month any
-- money is reported in, if earlier) to the reporting end: the seed's rate for that
-- month, else the latest earlier rate carried forward (else the earliest rate).

with

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

support_costs as (

    select * from {{ ref('stg_finance__support_costs') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

bounds as (

    select
        least(
            min(cast(fx_rates.month as date)),
            coalesce(
                (select min(support_costs.cost_month) from support_costs),
                min(cast(fx_rates.month as date))
            ),
            coalesce(
                (select min(contracts.start_date) from contracts),
                min(cast(fx_rates.month as date))
            )
        ) as first_month,
        greatest(max(cast(fx_rates.month as date)), {{ reporting_end_date() }}) as last_month
    from fx_rates

),

months as (

    {{ month_series('(select first_month from bounds)', '(select last_month from bounds)') }}

),

currencies as (

    select distinct upper(currency) as currency from fx_rates

),

seeded as (

    select
        cast({{ dbt.date_trunc('month', 'month') }} as date) as rate_month,
        upper(currency) as currency,
        cast(rate_to_usd as double) as rate_to_usd
    from fx_rates

),

grid as (

    select
        months.month_start as fx_month,
        currencies.currency
    from months
    cross join currencies

),

candidates as (

    -- every seeded rate at or before the month, plus the earliest rate as a fallback
    select
        grid.fx_month,
        grid.currency,
        seeded.rate_month,
        seeded.rate_to_usd,
        case when seeded.rate_month <= grid.fx_month then 0 else 1 end as is_fallback
    from grid
    inner join seeded
        on grid.currency = seeded.currency

),

ranked as (

    select
        *,
        row_number() over (
            partition by fx_month, currency
            order by is_fallback asc, case when is_fallback = 0 then rate_month end desc, rate_month
        ) as rate_rank
    from candidates

),

picked as (

    select
        fx_month,
        currency,
        rate_month,
        rate_to_usd
    from ranked
    where rate_rank = 1

),

rub as (

    select
        fx_month,
        rate_to_usd as rub_rate_to_usd
    from picked
    where currency = 'RUB'

),

final as (

    select
        picked.fx_month,
        picked.currency,
        picked.rate_to_usd,
        picked.rate_to_usd / rub.rub_rate_to_usd as rate_to_rub,
        picked.rate_month as rate_source_month,
        picked.rate_month <> picked.fx_month as is_carried_over
    from picked
    left join rub
        on picked.fx_month = rub.fx_month

)

select * from final
