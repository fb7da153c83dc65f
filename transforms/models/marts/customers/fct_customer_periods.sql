-- Customer retention, net expansion and NPS per period (month, quarter, year) and
-- breakdown (dim_tier / dim_segment / dim_region cube, 'all' for the total), defined
-- exactly as the key results are, so /customers and the OKR page show one number:
--   customer_retention, net_expansion  fct_retention's year-to-date cohort ending in
--       the period's last month (or the latest month reached), with its expansion,
--       contraction and churn apart
--   nps  the survey wave of a quarter (fct_nps_waves); a year pools its waves; months
--       have no NPS (waves are quarterly)
-- Target: the fiscal year's OKR target for the period (dim_metric_targets); status by
-- metric_status; NPS under var('survey_low_n', 30) responses is flagged low n.

{%- set period_kinds = [
    ('month', "end_month"),
    ('quarter', "cast(" ~ dbt.date_trunc('quarter', 'end_month') ~ " as date)"),
    ('year', "cast(" ~ dbt.date_trunc('year', 'end_month') ~ " as date)"),
] %}

with

retention as (

    -- named, not `*`: fct_retention's own period_start (the cohort's) must not sit
    -- beside the period_start given below (Spark refuses the ambiguous name)
    select
        end_month,
        dim_tier,
        dim_segment,
        dim_region,
        starting_accounts,
        retained_accounts,
        churned_accounts,
        logo_retention_pct,
        starting_mrr_usd,
        ending_mrr_usd,
        net_expansion_pct,
        expansion_pct,
        contraction_pct,
        churn_pct
    from {{ ref('fct_retention') }}
    where period_type = 'ytd'

),

nps_waves as (

    select * from {{ ref('fct_nps_waves') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}
    where target_scope = 'okr'

),

retention_in_periods as (

    {% for kind, start_expr in period_kinds %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ start_expr }} as period_start,
            retention.*
        from retention
    {% endfor %}

),

retention_closing as (

    -- the year-to-date row that closes each period: its latest month
    select
        *,
        row_number() over (
            partition by period_kind, period_start, dim_tier, dim_segment, dim_region
            order by end_month desc
        ) as closing_rank
    from retention_in_periods
    where end_month <= {{ reporting_end_date() }}

),

{%- set retention_metrics = [
    ('customer_retention', 'logo_retention_pct', 'retained_accounts', 'starting_accounts'),
    ('net_expansion', 'net_expansion_pct', 'ending_mrr_usd - starting_mrr_usd', 'starting_mrr_usd'),
] %}

retention_rows as (

    {% for metric, value, numerator, denominator in retention_metrics %}
        {% if not loop.first %}union all{% endif %}
        select
            period_kind,
            period_start,
            dim_tier,
            dim_segment,
            dim_region,
            '{{ metric }}' as metric,
            cast({{ value }} as double) as value,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator,
            end_month as cohort_end_month,
            cast(starting_accounts as bigint) as starting_accounts,
            cast(retained_accounts as bigint) as retained_accounts,
            cast(churned_accounts as bigint) as churned_accounts,
            cast(expansion_pct as double) as expansion_pct,
            cast(contraction_pct as double) as contraction_pct,
            cast(churn_pct as double) as churn_pct,
            cast(null as bigint) as survey_responses
        from retention_closing
        where closing_rank = 1
    {% endfor %}

),

nps_in_periods as (

    select
        'quarter' as period_kind,
        cast({{ dbt.dateadd(
            'month',
            "3 * (cast(" ~ dbt.right('wave', '1') ~ " as integer) - 1)",
            "cast(" ~ dbt.concat(["cast(wave_year as " ~ dbt.type_string() ~ ")", "'-01-01'"]) ~ " as date)"
        ) }} as date) as period_start,
        dim_tier,
        dim_segment,
        dim_region,
        responses,
        promoters,
        detractors
    from nps_waves
    union all
    select
        'year' as period_kind,
        cast({{ dbt.concat(["cast(wave_year as " ~ dbt.type_string() ~ ")", "'-01-01'"]) }} as date)
            as period_start,
        dim_tier,
        dim_segment,
        dim_region,
        responses,
        promoters,
        detractors
    from nps_waves

),

nps_rows as (

    select
        period_kind,
        period_start,
        dim_tier,
        dim_segment,
        dim_region,
        'nps' as metric,
        cast({{ pct('sum(promoters) - sum(detractors)', 'sum(responses)') }} as double) as value,
        cast(sum(promoters) - sum(detractors) as double) as numerator,
        cast(sum(responses) as double) as denominator,
        cast(null as date) as cohort_end_month,
        cast(null as bigint) as starting_accounts,
        cast(null as bigint) as retained_accounts,
        cast(null as bigint) as churned_accounts,
        cast(null as double) as expansion_pct,
        cast(null as double) as contraction_pct,
        cast(null as double) as churn_pct,
        cast(sum(responses) as bigint) as survey_responses
    from nps_in_periods
    where period_start <= {{ reporting_end_date() }}
    group by period_kind, period_start, dim_tier, dim_segment, dim_region

),

unioned as (

    select * from retention_rows
    union all
    select * from nps_rows

),

labelled as (

    select
        unioned.*,
        {{ period_label_of('unioned.period_kind', 'unioned.period_start') }} as period_label,
        {{ period_end_of('unioned.period_kind', 'unioned.period_start') }} as period_end,
        {{ year_of('unioned.period_start') }} as fiscal_year
    from unioned

),

final as (

    select
        {{ dbt.concat([
            'labelled.period_kind', "'|'", 'labelled.period_label', "'|'",
            'labelled.dim_tier', "'|'", 'labelled.dim_segment', "'|'",
            'labelled.dim_region', "'|'", 'labelled.metric'
        ]) }} as customer_period_key,
        labelled.period_kind,
        labelled.period_label,
        labelled.period_start,
        labelled.period_end,
        labelled.period_end >= {{ reporting_end_date() }} as is_partial,
        labelled.dim_tier,
        labelled.dim_segment,
        labelled.dim_region,
        labelled.metric,
        labelled.value,
        labelled.numerator,
        labelled.denominator,
        labelled.cohort_end_month,
        labelled.starting_accounts,
        labelled.retained_accounts,
        labelled.churned_accounts,
        labelled.expansion_pct,
        labelled.contraction_pct,
        labelled.churn_pct,
        labelled.survey_responses,
        labelled.metric = 'nps'
        and coalesce(labelled.survey_responses, 0) < {{ var('survey_low_n', 30) }} as is_low_n,
        targets.target,
        {{ metric_status(
            'labelled.value', 'targets.target', 'targets.direction', 'targets.amber_band_pct'
        ) }} as status
    from labelled
    left join targets
        on
            labelled.metric = targets.metric
            and labelled.fiscal_year = targets.fiscal_year
            and labelled.period_kind = targets.period_type
            and labelled.period_label = targets.period

)

select * from final
