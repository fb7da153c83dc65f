-- One row per retention period and member of its starting cohort (DESIGN s5): the
-- accounts active in the month before the period, with their MRR (USD) then and in the
-- period's last month (the latest month reached for a period in progress).
-- Period types: month, quarter, year, and ytd (from January to each month).

with

account_months as (

    select * from {{ ref('int_account_months_built') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

months as (

    select distinct month_start from account_months

),

last_month as (

    select max(month_start) as month_start from months

),

period_candidates as (

    select
        'month' as period_type,
        month_start as period_start,
        month_start as end_month,
        month_start as period_last_month
    from months

    union all

    select
        'quarter' as period_type,
        cast({{ dbt.date_trunc('quarter', 'month_start') }} as date) as period_start,
        month_start as end_month,
        cast({{ dbt.dateadd('month', 2, dbt.date_trunc('quarter', 'month_start')) }} as date)
            as period_last_month
    from months

    union all

    select
        'year' as period_type,
        cast({{ dbt.date_trunc('year', 'month_start') }} as date) as period_start,
        month_start as end_month,
        cast({{ dbt.dateadd('month', 11, dbt.date_trunc('year', 'month_start')) }} as date)
            as period_last_month
    from months

    union all

    select
        'ytd' as period_type,
        cast({{ dbt.date_trunc('year', 'month_start') }} as date) as period_start,
        month_start as end_month,
        month_start as period_last_month
    from months

),

periods as (

    -- a period ends in its last month, or in the latest month for one in progress
    select
        period_candidates.period_type,
        period_candidates.period_start,
        period_candidates.end_month,
        cast({{ dbt.dateadd('month', -1, 'period_candidates.period_start') }} as date)
            as baseline_month,
        (
            period_candidates.end_month = period_candidates.period_last_month
            and cast({{ dbt.last_day('period_candidates.end_month', 'month') }} as date)
            < {{ reporting_end_date() }}
        ) as is_complete
    from period_candidates
    cross join last_month
    where
        period_candidates.end_month = period_candidates.period_last_month
        or (
            period_candidates.end_month = last_month.month_start
            and period_candidates.period_last_month > last_month.month_start
        )

),

cohorts as (

    select
        periods.period_type,
        periods.period_start,
        periods.end_month,
        periods.baseline_month,
        periods.is_complete,
        baseline.account_id,
        baseline.support_tier,
        baseline.mrr_usd as starting_mrr_usd,
        coalesce(ending.is_active, false) as is_retained,
        case when coalesce(ending.is_active, false) then ending.mrr_usd else 0 end as ending_mrr_usd
    from periods
    inner join account_months as baseline
        on
            periods.baseline_month = baseline.month_start
            and baseline.is_active
    left join account_months as ending
        on
            baseline.account_id = ending.account_id
            and periods.end_month = ending.month_start

),

final as (

    select
        cohorts.period_type,
        case cohorts.period_type
            when 'month' then {{ month_label('cohorts.period_start') }}
            when 'quarter' then {{ quarter_label('cohorts.period_start') }}
            when 'year' then {{ year_label('cohorts.period_start') }}
            else {{ month_label('cohorts.end_month') }}
        end as period,
        cohorts.period_start,
        cohorts.end_month,
        cohorts.baseline_month,
        cohorts.is_complete,
        cohorts.account_id,
        cohorts.support_tier,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.region, 'unknown') as region,
        cohorts.starting_mrr_usd,
        cohorts.ending_mrr_usd,
        cohorts.is_retained,
        case
            when cohorts.is_retained and cohorts.ending_mrr_usd > cohorts.starting_mrr_usd
                then cohorts.ending_mrr_usd - cohorts.starting_mrr_usd
            else 0
        end as expansion_mrr_usd,
        case
            when cohorts.is_retained and cohorts.ending_mrr_usd < cohorts.starting_mrr_usd
                then cohorts.starting_mrr_usd - cohorts.ending_mrr_usd
            else 0
        end as contraction_mrr_usd,
        case
            when not cohorts.is_retained then cohorts.starting_mrr_usd
            else 0
        end as churned_mrr_usd
    from cohorts
    left join accounts
        on cohorts.account_id = accounts.account_id

)

select * from final
