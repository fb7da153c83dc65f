-- The reporting periods of every fiscal year that has key results (the fiscal year is
-- the calendar year): 12 months, 4 quarters and the year.

with

key_results as (

    select * from {{ ref('okr_key_results') }}

),

years as (

    select distinct cast(fiscal_year as integer) as fiscal_year from key_results

),

months as (

    {{ month_series(
        "cast(concat(cast((select min(fiscal_year) from years) as " ~ dbt.type_string() ~ "), '-01-01') as date)",
        "cast(concat(cast((select max(fiscal_year) from years) as " ~ dbt.type_string() ~ "), '-12-01') as date)"
    ) }}

),

year_months as (

    select
        years.fiscal_year,
        months.month_start
    from months
    inner join years
        on years.fiscal_year = {{ year_of('months.month_start') }}

),

periods as (

    select
        fiscal_year,
        'month' as period_type,
        {{ month_label('month_start') }} as period,
        month_start as period_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as period_end
    from year_months

    union all

    select
        fiscal_year,
        'quarter' as period_type,
        {{ quarter_label('month_start') }} as period,
        month_start as period_start,
        cast({{ dbt.last_day('month_start', 'quarter') }} as date) as period_end
    from year_months
    where {{ month_of('month_start') }} in (1, 4, 7, 10)

    union all

    select
        fiscal_year,
        'year' as period_type,
        {{ year_label('month_start') }} as period,
        month_start as period_start,
        cast({{ dbt.last_day('month_start', 'year') }} as date) as period_end
    from year_months
    where {{ month_of('month_start') }} = 1

),

final as (

    select
        fiscal_year,
        period_type,
        period,
        period_start,
        period_end,
        {{ dbt.datediff('period_start', 'period_end', 'day') }}
        + 1 as period_days
    from periods

)

select * from final
