-- One row per key result, month and breakdown values (support tier, segment, region) with the
-- additive numerator and denominator of the knowledge KR: kb_articles, 1 per published article
-- in its publication month. int_okr_actuals_unioned sums the months into periods.

with

kb_articles as (

    select * from {{ ref('int_kb_articles_joined') }}

),

monthly_facts as (

    select
        'kb_articles' as kr_id,
        cast({{ dbt.date_trunc('month', 'published_date') }} as date) as month_start,
        cast(null as {{ dbt.type_string() }}) as support_tier,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(1 as double) as numerator,
        cast(null as double) as denominator
    from kb_articles
    where is_published

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
