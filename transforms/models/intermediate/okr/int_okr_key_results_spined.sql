-- Every key result (okr_key_results) against every period of its fiscal year that had
-- started by the reporting end, with the first month its actual sums from (window_start:
-- January for ytd_sum, all time for cumulative_count, else the period start). NPS, read per
-- survey wave, has no month periods.

with

key_results as (

    select * from {{ ref('okr_key_results') }}

),

periods as (

    select * from {{ ref('int_okr_periods_spined') }}

),

key_result_periods as (

    select
        key_results.kr_id,
        cast(key_results.fiscal_year as integer) as fiscal_year,
        key_results.measure,
        key_results.unit,
        key_results.has_breakdown,
        key_results.manual_rollup,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        case key_results.measure
            when 'ytd_sum' then cast({{ dbt.date_trunc('year', 'periods.period_start') }} as date)
            when 'cumulative_count' then cast('1900-01-01' as date)
            else periods.period_start
        end as window_start
    from key_results
    inner join periods
        on periods.fiscal_year = cast(key_results.fiscal_year as integer)
    where
        periods.period_start <= {{ reporting_end_date() }}
        and not (key_results.kr_id = 'nps' and periods.period_type = 'month')

)

select * from key_result_periods
