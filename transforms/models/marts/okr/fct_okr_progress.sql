-- Progress of every key result of FY2025 and FY2026 (okr_key_results) per month,
-- quarter and year, in total ('all') and by support tier / segment / region where the
-- KR breaks down: actual (int_okr_actuals_unioned), the period's target and amber band
-- (dim_metric_targets, scope okr), status (metric_status), and a projection to the
-- period's end.

with

key_results as (

    select * from {{ ref('okr_key_results') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}
    where target_scope = 'okr'

),

periods as (

    select * from {{ ref('int_okr_periods_spined') }}

),

actuals as (

    select * from {{ ref('int_okr_actuals_unioned') }}

),

dimension_rows as (

    select distinct
        kr_id,
        fiscal_year,
        dim_tier,
        dim_segment,
        dim_region
    from actuals
    union
    select
        kr_id,
        cast(fiscal_year as integer) as fiscal_year,
        'all' as dim_tier,
        'all' as dim_segment,
        'all' as dim_region
    from key_results

),

grid as (

    select
        key_results.kr_id,
        cast(key_results.fiscal_year as integer) as fiscal_year,
        key_results.objective_id,
        key_results.objective,
        key_results.key_result,
        key_results.unit,
        key_results.direction,
        key_results.measure,
        key_results.source_model,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        periods.period_days,
        dimension_rows.dim_tier,
        dimension_rows.dim_segment,
        dimension_rows.dim_region
    from key_results
    inner join periods
        on periods.fiscal_year = cast(key_results.fiscal_year as integer)
    inner join dimension_rows
        on
            key_results.kr_id = dimension_rows.kr_id
            and dimension_rows.fiscal_year = cast(key_results.fiscal_year as integer)

),

joined as (

    select
        grid.*,
        actuals.actual,
        actuals.numerator,
        actuals.denominator,
        actuals.in_period_numerator,
        targets.target,
        targets.amber_band_pct,
        case
            when {{ reporting_end_date() }} > grid.period_end then grid.period_days
            when {{ reporting_end_date() }} < grid.period_start then 0
            else
                {{ dbt.datediff('grid.period_start', reporting_end_date(), 'day') }}
                + 1
        end as elapsed_days
    from grid
    left join actuals
        on
            grid.kr_id = actuals.kr_id
            and grid.fiscal_year = actuals.fiscal_year
            and grid.period_type = actuals.period_type
            and grid.period = actuals.period
            and grid.dim_tier = actuals.dim_tier
            and grid.dim_segment = actuals.dim_segment
            and grid.dim_region = actuals.dim_region
    left join targets
        on
            grid.fiscal_year = targets.fiscal_year
            and grid.kr_id = targets.metric
            and grid.period_type = targets.period_type
            and grid.period = targets.period

),

projected as (

    select
        *,
        case
            when actual is null then null
            when measure in ('ytd_sum', 'cumulative_count') and elapsed_days > 0
                then
                    (actual - coalesce(in_period_numerator, 0))
                    + coalesce(in_period_numerator, 0) * period_days / elapsed_days
            else actual
        end as projection,
        case
            when measure in ('ytd_sum', 'cumulative_count') then 'linear_in_period'
            else 'current_value'
        end as projection_method
    from joined

),

final as (

    select
        kr_id,
        fiscal_year,
        objective_id,
        objective,
        key_result,
        period_type,
        period,
        period as period_label,
        period_start,
        period_end,
        elapsed_days >= period_days as is_period_complete,
        elapsed_days > 0 and elapsed_days < period_days as is_current_period,
        elapsed_days > 0 and elapsed_days < period_days as is_partial,
        dim_tier,
        dim_segment,
        dim_region,
        cast(actual as double) as actual,
        target,
        unit,
        direction,
        measure,
        {{ metric_status('actual', 'target', 'direction', 'amber_band_pct') }} as status,
        amber_band_pct,
        cast(case
            when target is null then null
            when direction = 'lower' then target + abs(target) * amber_band_pct / 100.0
            else target - abs(target) * amber_band_pct / 100.0
        end as double) as amber_threshold,
        cast(projection as double) as projection,
        projection_method,
        {{ metric_status('projection', 'target', 'direction', 'amber_band_pct') }}
            as projected_status,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(case when kr_id in ('nps', 'csat') then coalesce(denominator, 0) end as bigint)
            as survey_responses,
        kr_id in ('nps', 'csat') and coalesce(denominator, 0) < {{ var('survey_low_n', 30) }}
            as is_low_n,
        source_model
    from projected

)

select * from final
