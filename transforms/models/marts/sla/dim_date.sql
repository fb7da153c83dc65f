{#-
    One row per calendar date (business time zone) with the reference schedule's
    (var reference_schedule_id, Moscow) working-day flags, ISO week,
    month, quarter and fiscal year (the fiscal year is the calendar year).
-#}
with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}
    where schedule_id = '{{ var("reference_schedule_id") }}'

),

final as (

    select
        date_day,
        iso_day_of_week,
        is_weekend,
        is_holiday,
        holiday_name,
        is_working_day,
        window_minutes as business_minutes,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as iso_week_start_date,
        cast({{ pulse_iso_year('date_day') }} as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
        cast(extract(month from date_day) as integer) as month_number,
        cast({{ dbt.date_trunc('quarter', 'date_day') }} as date) as quarter_start_date,
        cast(extract(quarter from date_day) as integer) as quarter_number,
        cast(extract(year from date_day) as integer) as fiscal_year,
        concat(
            cast(extract(year from date_day) as {{ dbt.type_string() }}), '-Q',
            cast(extract(quarter from date_day) as {{ dbt.type_string() }})
        ) as fiscal_quarter,
        cast(extract(year from date_day) as integer) as calendar_year
    from calendar_days

)

select * from final
