-- One row per account and month, from the account's first month (creation or first
-- contract) to the reporting end. The month is read at its snapshot date: its last
-- day, or the reporting end date for the month in progress. A contract counts in a
-- month when it is active on the snapshot date (start and end dates inclusive, open
-- ended without end date); MRR is converted at that month's FX rate.

with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

account_starts as (

    select
        accounts.account_id,
        least(
            cast({{ dbt.date_trunc('month', 'accounts.created_at') }} as date),
            coalesce(
                min(cast({{ dbt.date_trunc('month', 'contracts.start_date') }} as date)),
                cast({{ dbt.date_trunc('month', 'accounts.created_at') }} as date)
            )
        ) as first_month
    from accounts
    left join contracts
        on accounts.account_id = contracts.account_id
    group by accounts.account_id, accounts.created_at

),

months as (

    {{ month_series('(select min(first_month) from account_starts)', reporting_end_date()) }}

),

account_months as (

    select
        account_starts.account_id,
        months.month_start,
        least(
            cast({{ dbt.last_day('months.month_start', 'month') }} as date),
            {{ reporting_end_date() }}
        ) as snapshot_date
    from account_starts
    inner join months
        on account_starts.first_month <= months.month_start

),

active_contracts as (

    select
        account_months.account_id,
        account_months.month_start,
        contracts.contract_id,
        contracts.product,
        contracts.support_tier,
        contracts.start_date,
        contracts.mrr,
        contracts.mrr * fx_rates.rate_to_usd as mrr_usd,
        contracts.mrr * fx_rates.rate_to_rub as mrr_rub
    from account_months
    inner join contracts
        on
            account_months.account_id = contracts.account_id
            and account_months.snapshot_date >= contracts.start_date
            and (contracts.end_date is null or account_months.snapshot_date <= contracts.end_date)
    left join fx_rates
        on
            account_months.month_start = fx_rates.fx_month
            and contracts.currency = fx_rates.currency

),

mrr as (

    select
        account_id,
        month_start,
        count(*) as active_contracts,
        sum(case when mrr > 0 then 1 else 0 end) as paying_contracts,
        sum(mrr_usd) as mrr_usd,
        sum(mrr_rub) as mrr_rub
    from active_contracts
    group by account_id, month_start

),

support_plans_ranked as (

    select
        account_id,
        month_start,
        support_tier,
        row_number() over (
            partition by account_id, month_start
            order by start_date desc, contract_id desc
        ) as plan_rank
    from active_contracts
    where
        product = 'support_plan'
        and support_tier is not null

),

final as (

    select
        account_months.account_id,
        account_months.month_start,
        account_months.snapshot_date,
        coalesce(mrr.paying_contracts, 0) > 0 as is_active,
        coalesce(mrr.active_contracts, 0) as active_contracts,
        coalesce(mrr.mrr_usd, 0) as mrr_usd,
        coalesce(mrr.mrr_rub, 0) as mrr_rub,
        coalesce(support_plans_ranked.support_tier, 'free') as support_tier
    from account_months
    left join mrr
        on
            account_months.account_id = mrr.account_id
            and account_months.month_start = mrr.month_start
    left join support_plans_ranked
        on
            account_months.account_id = support_plans_ranked.account_id
            and account_months.month_start = support_plans_ranked.month_start
            and support_plans_ranked.plan_rank = 1

)

select * from final
