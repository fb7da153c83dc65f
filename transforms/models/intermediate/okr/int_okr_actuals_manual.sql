-- The manual KRs (measure manual) for every started period: okr_manual_values' own value
-- for the period; a quarter without one takes its months' values (last or sum, per
-- manual_rollup), a year its quarters'. Periods without any value have no row.

with

kr_periods as (

    select * from {{ ref('int_okr_key_results_spined') }}

),

manual_values as (

    select * from {{ ref('stg_okr__manual_values') }}

),

manual_months as (

    select
        kr_periods.kr_id,
        kr_periods.fiscal_year,
        kr_periods.period_type,
        kr_periods.period,
        kr_periods.manual_rollup,
        kr_periods.period_start,
        kr_periods.period_end,
        manual_values.value
    from kr_periods
    left join manual_values
        on
            kr_periods.kr_id = manual_values.kr_id
            and kr_periods.period = manual_values.period
    where kr_periods.measure = 'manual'

),

manual_quarter_from_months as (

    select
        quarters.kr_id,
        quarters.fiscal_year,
        quarters.period,
        sum(months.value) as value_sum,
        {{ pulse_last_by('months.value', 'months.period_start', 'months.period') }} as value_last
    from manual_months as quarters
    inner join manual_months as months
        on
            quarters.kr_id = months.kr_id
            and quarters.fiscal_year = months.fiscal_year
            and months.period_type = 'month'
            and months.period_start between quarters.period_start and quarters.period_end
            and months.value is not null
    where quarters.period_type = 'quarter'
    group by quarters.kr_id, quarters.fiscal_year, quarters.period

),

manual_quarters as (

    select
        manual_months.kr_id,
        manual_months.fiscal_year,
        manual_months.period_type,
        manual_months.period,
        manual_months.manual_rollup,
        manual_months.period_start,
        manual_months.period_end,
        coalesce(
            manual_months.value,
            case manual_months.manual_rollup
                when 'sum' then manual_quarter_from_months.value_sum
                else manual_quarter_from_months.value_last
            end
        ) as value
    from manual_months
    left join manual_quarter_from_months
        on
            manual_months.kr_id = manual_quarter_from_months.kr_id
            and manual_months.fiscal_year = manual_quarter_from_months.fiscal_year
            and manual_months.period = manual_quarter_from_months.period
    where manual_months.period_type = 'quarter'

),

manual_years as (

    select
        years.kr_id,
        years.fiscal_year,
        years.period_type,
        years.period,
        case max(years.manual_rollup)
            when 'sum' then sum(quarters.value)
            else {{ pulse_last_by(
                'quarters.value', 'quarters.period_start', 'quarters.period',
                'quarters.value is not null'
            ) }}
        end as value
    from manual_months as years
    inner join manual_quarters as quarters
        on
            years.kr_id = quarters.kr_id
            and years.fiscal_year = quarters.fiscal_year
    where years.period_type = 'year'
    group by years.kr_id, years.fiscal_year, years.period_type, years.period

),

manual_values_resolved as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_months
    where period_type = 'month'

    union all

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_quarters

    union all

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_years

),

manual_actuals as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        'all' as dim_tier,
        'all' as dim_segment,
        'all' as dim_region,
        value as actual,
        value as numerator,
        cast(null as double) as denominator,
        cast(null as double) as in_period_numerator
    from manual_values_resolved
    where value is not null

)

select * from manual_actuals
