-- The customer KRs (measure ytd_ratio): customer_retention and net_expansion for every
-- started period, from the year-to-date retention row (int_retention_periods_measured) that
-- ends in the period's last month, or its latest month while it is in progress.

with

kr_periods as (

    select * from {{ ref('int_okr_key_results_spined') }}

),

retention as (

    select * from {{ ref('int_retention_periods_measured') }}

),

retention_ends as (

    -- the year-to-date retention row that closes each period (its last month, or the
    -- latest month reached)
    select
        kr_periods.kr_id,
        kr_periods.fiscal_year,
        kr_periods.period_type,
        kr_periods.period,
        max(retention.end_month) as end_month
    from kr_periods
    inner join retention
        on
            retention.period_type = 'ytd'
            and retention.end_month between kr_periods.period_start and kr_periods.period_end
    where kr_periods.measure = 'ytd_ratio'
    group by kr_periods.kr_id, kr_periods.fiscal_year, kr_periods.period_type, kr_periods.period

),

retention_values as (

    select
        retention_ends.kr_id,
        retention_ends.fiscal_year,
        retention_ends.period_type,
        retention_ends.period,
        retention.dim_tier,
        retention.dim_segment,
        retention.dim_region,
        case retention_ends.kr_id
            when 'customer_retention' then retention.logo_retention_pct
            else retention.net_expansion_pct
        end as actual,
        case retention_ends.kr_id
            when 'customer_retention' then cast(retention.retained_accounts as double)
            else retention.ending_mrr_usd - retention.starting_mrr_usd
        end as numerator,
        case retention_ends.kr_id
            when 'customer_retention' then cast(retention.starting_accounts as double)
            else retention.starting_mrr_usd
        end as denominator,
        cast(null as double) as in_period_numerator
    from retention_ends
    inner join retention
        on
            retention.period_type = 'ytd'
            and retention_ends.end_month = retention.end_month

)

select * from retention_values
