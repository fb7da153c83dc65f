{#-
    One row per schedule and working day: its business window in UTC and the business seconds run
    before and by the end of it. "The instant when N business seconds have run" is the
    window with business_seconds_before < N <= business_seconds_after, at
    window_start_at + (N - business_seconds_before), on the ticket's schedule.
-#}
with

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

final as (

    select
        schedule_id,
        date_day as business_date,
        window_start_at,
        window_end_at,
        window_start_epoch_seconds,
        window_seconds,
        window_minutes,
        business_seconds_before_day as business_seconds_before,
        business_seconds_before_day + window_seconds as business_seconds_after
    from calendar_days
    where is_working_day and window_seconds > 0

)

select * from final
