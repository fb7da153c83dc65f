-- One row per key result, month and breakdown values (support tier, segment, region) with the
-- additive numerator and denominator of the survey KRs: csat (satisfied responses) by response
-- month, nps (nps_points / 100 per response) by the first month of its survey wave.
-- int_okr_actuals_unioned sums the months into periods.

with

csat as (

    select * from {{ ref('int_csat_responses_attributed') }}

),

nps as (

    select * from {{ ref('int_nps_responses_attributed') }}

),

monthly_facts as (

    select
        'csat' as kr_id,
        responded_month as month_start,
        support_tier,
        segment,
        region,
        cast(case when is_satisfied then 1 else 0 end as double) as numerator,
        cast(1 as double) as denominator
    from csat

    union all

    select
        'nps' as kr_id,
        cast({{ dbt.dateadd('month', '(cast(substring(wave, 7, 1) as integer) - 1) * 3',
            "cast(concat(substring(wave, 1, 4), '-01-01') as date)") }} as date) as month_start,
        support_tier,
        segment,
        region,
        cast(nps_points as double) / 100 as numerator,
        cast(1 as double) as denominator
    from nps

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
