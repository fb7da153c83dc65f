-- One row per sales opportunity, amounts in USD and RUB at the FX rate of the close
-- month (of the reporting-end month while open), with the support-attributed credit
-- (amount_usd x support_credit_pct / 100, counted as revenue only when won).

with

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

fx_rates as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

classified as (

    select
        opportunities.*,
        opportunities.stage = 'closed_lost' as is_lost,
        case
            when opportunities.stage in ('closed_won', 'closed_lost')
                then coalesce(opportunities.closed_at, opportunities.updated_at)
        end as close_at
    from opportunities

),

dated as (

    select
        classified.*,
        {{ business_date('close_at') }} as close_date,
        coalesce(
            {{ business_month('close_at') }},
            cast({{ dbt.date_trunc('month', reporting_end_date()) }} as date)
        ) as fx_month
    from classified

),

plans_ranked as (

    select
        dated.opportunity_id,
        contracts.support_tier,
        row_number() over (
            partition by dated.opportunity_id
            order by contracts.start_date desc, contracts.contract_id desc
        ) as plan_rank
    from dated
    inner join contracts
        on
            dated.account_id = contracts.account_id
            and contracts.product = 'support_plan'
            and contracts.support_tier is not null
            and contracts.start_date
            <= coalesce(dated.close_date, {{ business_date('dated.created_at') }})
            and (
                contracts.end_date is null
                or contracts.end_date
                >= coalesce(dated.close_date, {{ business_date('dated.created_at') }})
            )

),

final as (

    select
        dated.opportunity_id,
        dated.account_id,
        dated.created_at,
        dated.updated_at,
        dated.close_at as closed_at,
        dated.close_date,
        cast({{ dbt.date_trunc('month', 'dated.close_date') }} as date) as close_month,
        case
            when dated.close_date is not null then {{ quarter_label('dated.close_date') }}
        end as close_quarter,
        case
            when dated.close_date is not null then {{ year_of('dated.close_date') }}
        end as close_year,
        dated.stage,
        dated.opportunity_type,
        dated.is_closed,
        dated.is_won,
        dated.is_lost,
        dated.currency,
        cast(dated.amount as double) as amount,
        dated.fx_month,
        fx_rates.rate_to_usd,
        cast(dated.amount * fx_rates.rate_to_usd as double) as amount_usd,
        cast(dated.amount * fx_rates.rate_to_rub as double) as amount_rub,
        cast(coalesce(dated.support_credit_pct, 0) as double) as support_credit_pct,
        cast(
            dated.amount * fx_rates.rate_to_usd * coalesce(dated.support_credit_pct, 0) / 100.0
            as double
        ) as credited_usd,
        cast(
            dated.amount * fx_rates.rate_to_rub * coalesce(dated.support_credit_pct, 0) / 100.0
            as double
        ) as credited_rub,
        cast(case
            when dated.is_won
                then
                    dated.amount * fx_rates.rate_to_usd
                    * coalesce(dated.support_credit_pct, 0) / 100.0
            else 0
        end as double) as attributed_revenue_usd,
        dated.support_credit_engineer_id,
        coalesce(dated.support_credit_pct, 0) > 0 as has_support_credit,
        coalesce(dated.competitor, 'none') as competitor,
        coalesce(dated.had_poc, false) as had_poc,
        dated.poc_succeeded,
        coalesce(dated.had_poc, false) and dated.is_won as is_poc_won,
        -- a close stamped before the creation (a bad extract) has no cycle, never a
        -- negative one
        case
            when dated.is_closed and dated.close_at >= dated.created_at
                then cast(
                    {{ dbt.datediff('dated.created_at', 'dated.close_at', 'day') }}
                    as integer
                )
        end as sales_cycle_days,
        accounts.segment,
        accounts.region,
        coalesce(plans_ranked.support_tier, 'free') as support_tier
    from dated
    left join fx_rates
        on
            dated.fx_month = fx_rates.fx_month
            and dated.currency = fx_rates.currency
    left join accounts
        on dated.account_id = accounts.account_id
    left join plans_ranked
        on
            dated.opportunity_id = plans_ranked.opportunity_id
            and plans_ranked.plan_rank = 1

)

select * from final
