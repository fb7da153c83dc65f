-- Customer retention and net expansion (DESIGN s5) per period type (month, quarter,
-- year, ytd) and period, in total and broken down by the cohort's support tier,
-- segment and region in the starting month.

with

cohorts as (

    select * from {{ ref('int_retention_cohorts_built') }}

),

aggregated as (

    {% for active in breakdown_sets() %}
        select
            period_type,
            period,
            period_start,
            end_month,
            baseline_month,
            is_complete,
            {{ breakdown_columns(active, 'support_tier', 'segment', 'region') }},
            count(*) as starting_accounts,
            sum(case when is_retained then 1 else 0 end) as retained_accounts,
            sum(case when is_retained then 0 else 1 end) as churned_accounts,
            sum(starting_mrr_usd) as starting_mrr_usd,
            sum(ending_mrr_usd) as ending_mrr_usd,
            sum(expansion_mrr_usd) as expansion_mrr_usd,
            sum(contraction_mrr_usd) as contraction_mrr_usd,
            sum(churned_mrr_usd) as churned_mrr_usd
        from cohorts
        group by
            period_type, period, period_start, end_month, baseline_month, is_complete
            {{- breakdown_group_by(active, 'support_tier', 'segment', 'region') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        period_type,
        period,
        period_start,
        end_month,
        baseline_month,
        is_complete,
        dim_tier,
        dim_segment,
        dim_region,
        cast(starting_accounts as bigint) as starting_accounts,
        cast(retained_accounts as bigint) as retained_accounts,
        cast(churned_accounts as bigint) as churned_accounts,
        cast({{ pct('retained_accounts', 'starting_accounts') }} as double) as logo_retention_pct,
        cast(starting_mrr_usd as double) as starting_mrr_usd,
        cast(ending_mrr_usd as double) as ending_mrr_usd,
        cast(expansion_mrr_usd as double) as expansion_mrr_usd,
        cast(contraction_mrr_usd as double) as contraction_mrr_usd,
        cast(churned_mrr_usd as double) as churned_mrr_usd,
        cast({{ pct('ending_mrr_usd', 'starting_mrr_usd') }} as double)
            as net_revenue_retention_pct,
        cast({{ pct('ending_mrr_usd', 'starting_mrr_usd') }} - 100 as double) as net_expansion_pct,
        cast({{ pct('expansion_mrr_usd', 'starting_mrr_usd') }} as double) as expansion_pct,
        cast({{ pct('contraction_mrr_usd', 'starting_mrr_usd') }} as double) as contraction_pct,
        cast({{ pct('churned_mrr_usd', 'starting_mrr_usd') }} as double) as churn_pct
    from aggregated

)

select * from final
