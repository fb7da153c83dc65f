{#-
    One row per calendar date in the business time zone, with its working-day flag and
    business window, and the business seconds run from the start of the calendar to the
    local midnight opening the day. The business-clock position of any instant t is
    then business_seconds_before_day + clamp(t - window_start, 0, window_seconds) for the
    local date of t (see macro pulse_business_position).
-#}
with

holidays as (

    select * from {{ ref('holidays') }}

),

business_hours as (

    select * from {{ ref('business_hours') }}

),

spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start_date', '2020-01-01') ~ "' as date)",
        "cast('" ~ var('calendar_end_date', '2031-01-01') ~ "' as date)"
    ) }}

),

-- hours of a weekend day made working by a transfer: the standard weekday hours
standard_hours as (

    select
        min(opens_at_local) as opens_at_local,
        max(closes_at_local) as closes_at_local
    from business_hours

),

days as (

    select
        cast(date_day as date) as date_day,
        cast({{ pulse_iso_day_of_week('cast(date_day as date)') }} as integer) as iso_day_of_week
    from spine

),

flagged as (

    select
        days.date_day,
        days.iso_day_of_week,
        days.iso_day_of_week in (6, 7) as is_weekend,
        holidays.date is not null and not holidays.is_working_day as is_holiday,
        holidays.name as holiday_name,
        holidays.kind as holiday_kind,
        coalesce(holidays.is_working_day, business_hours.iso_day_of_week is not null)
            as is_working_day,
        coalesce(business_hours.opens_at_local, standard_hours.opens_at_local)
            as opens_at_local,
        coalesce(business_hours.closes_at_local, standard_hours.closes_at_local)
            as closes_at_local
    from days
    left join holidays
        on days.date_day = holidays.date
    left join business_hours
        on days.iso_day_of_week = business_hours.iso_day_of_week
    cross join standard_hours

),

windowed as (

    select
        date_day,
        iso_day_of_week,
        is_weekend,
        is_holiday,
        holiday_name,
        holiday_kind,
        is_working_day,
        {{ pulse_local_to_utc(pulse_date_at_time('date_day', "cast('00:00:00' as time)")) }}
            as day_start_at,
        {{ pulse_local_to_utc(pulse_date_at_time(
            dbt.dateadd('day', 1, 'date_day'), "cast('00:00:00' as time)"
        )) }}
            as next_day_start_at,
        case
            when is_working_day then
                {{ pulse_local_to_utc(pulse_date_at_time('date_day', 'opens_at_local')) }}
        end as window_start_at,
        case
            when is_working_day then
                {{ pulse_local_to_utc(pulse_date_at_time('date_day', 'closes_at_local')) }}
        end as window_end_at
    from flagged

),

measured as (

    select
        *,
        {{ pulse_epoch_seconds('window_start_at') }} as window_start_epoch_seconds,
        coalesce(
            {{ pulse_epoch_seconds('window_end_at') }}
            - {{ pulse_epoch_seconds('window_start_at') }},
            0
        ) as window_seconds
    from windowed

),

final as (

    select
        date_day,
        iso_day_of_week,
        is_weekend,
        is_holiday,
        holiday_name,
        holiday_kind,
        is_working_day,
        day_start_at,
        next_day_start_at,
        window_start_at,
        window_end_at,
        window_start_epoch_seconds,
        window_seconds,
        window_seconds / 60.0 as window_minutes,
        coalesce(
            sum(window_seconds) over (
                order by date_day rows between unbounded preceding and 1 preceding
            ),
            0
        ) as business_seconds_before_day
    from measured

)

select * from final
