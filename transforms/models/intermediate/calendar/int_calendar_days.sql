{#-
    One row per business schedule and calendar date in the schedule's time zone, with
    its working-day flag and business window, and the business seconds the schedule has
    run from the start of the calendar to the local midnight opening the day. The
    business-clock position of any instant t is business_seconds_before_day +
    clamp(t - window_start, 0, window_seconds) for the schedule's local date of t (macro
    pulse_business_position). A schedule is a join key: every clock joins on
    (schedule_id, day), never on more rows.

    Holidays: the generated seed (holidays package) by country, with the user's
    holiday_overrides winning on the same country and date. A schedule without a
    calendar country (24/7) has no holidays.
-#}
with

generated_holidays as (

    select * from {{ ref('holidays') }}

),

holiday_overrides as (

    select * from {{ ref('holiday_overrides') }}

),

schedule_hours as (

    select * from {{ ref('business_schedules') }}

),

holidays as (

    select
        country,
        date,
        name,
        is_working_day,
        kind
    from holiday_overrides

    union all

    select
        generated_holidays.country,
        generated_holidays.date,
        generated_holidays.name,
        generated_holidays.is_working_day,
        generated_holidays.kind
    from generated_holidays
    left join holiday_overrides
        on
            generated_holidays.country = holiday_overrides.country
            and generated_holidays.date = holiday_overrides.date
    where holiday_overrides.date is null

),

spine as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('calendar_start_date', '2020-01-01') ~ "' as date)",
        "cast('" ~ var('calendar_end_date', '2031-01-01') ~ "' as date)"
    ) }}

),

-- per schedule: its zone and country, and the hours a weekend day made working by a
-- transfer works (the schedule's standard weekday hours)
schedules as (

    select
        schedule_id,
        min(time_zone) as time_zone,
        min(calendar_country) as calendar_country,
        min(opens_at_local) as standard_opens_at_local,
        max(closes_at_local) as standard_closes_at_local
    from schedule_hours
    group by schedule_id

),

days as (

    select
        schedules.schedule_id,
        schedules.time_zone,
        schedules.calendar_country,
        schedules.standard_opens_at_local,
        schedules.standard_closes_at_local,
        cast(spine.date_day as date) as date_day,
        cast({{ pulse_iso_day_of_week('cast(spine.date_day as date)') }} as integer)
            as iso_day_of_week
    from spine
    cross join schedules

),

flagged as (

    select
        days.schedule_id,
        days.time_zone,
        days.calendar_country,
        days.date_day,
        days.iso_day_of_week,
        days.iso_day_of_week in (6, 7) as is_weekend,
        holidays.date is not null and not holidays.is_working_day as is_holiday,
        holidays.name as holiday_name,
        holidays.kind as holiday_kind,
        coalesce(holidays.is_working_day, schedule_hours.iso_day_of_week is not null)
            as is_working_day,
        coalesce(schedule_hours.opens_at_local, days.standard_opens_at_local)
            as opens_at_local,
        coalesce(schedule_hours.closes_at_local, days.standard_closes_at_local)
            as closes_at_local
    from days
    left join holidays
        on
            days.calendar_country = holidays.country
            and days.date_day = holidays.date
    left join schedule_hours
        on
            days.schedule_id = schedule_hours.schedule_id
            and days.iso_day_of_week = schedule_hours.iso_day_of_week

),

windowed as (

    select
        schedule_id,
        time_zone,
        calendar_country,
        date_day,
        iso_day_of_week,
        is_weekend,
        is_holiday,
        holiday_name,
        holiday_kind,
        is_working_day,
        {{ pulse_local_to_utc(
            pulse_date_at_time('date_day', "'00:00:00'"), tz_expr='time_zone'
        ) }} as day_start_at,
        {{ pulse_local_to_utc(pulse_date_at_time(
            dbt.dateadd('day', 1, 'date_day'), "'00:00:00'"
        ), tz_expr='time_zone') }} as next_day_start_at,
        case
            when is_working_day then
                {{ pulse_local_to_utc(
                    pulse_date_at_time('date_day', 'opens_at_local'), tz_expr='time_zone'
                ) }}
        end as window_start_at,
        case
            when is_working_day then
                {{ pulse_local_to_utc(
                    pulse_date_at_time('date_day', 'closes_at_local'), tz_expr='time_zone'
                ) }}
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
        schedule_id,
        time_zone,
        calendar_country,
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
                partition by schedule_id
                order by date_day rows between unbounded preceding and 1 preceding
            ),
            0
        ) as business_seconds_before_day
    from measured

)

select * from final
