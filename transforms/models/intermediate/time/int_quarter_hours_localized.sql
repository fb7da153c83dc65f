{#-
    One row per UTC quarter hour from the day before the first ticket to two days past
    as_of (within var('calendar_start_date') .. var('calendar_end_date')) with the
    business-time-zone date, ISO week and month it falls in. Every UTC offset in use is a multiple of 15
    minutes, so joining an instant's quarter hour (macro business_periods_join) gives its
    local date exactly - an equi-join that is far cheaper than converting millions of
    timestamps one by one.
-#}

with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

bounds as (

    -- the instants the marts convert: from the first ticket (less a day for events
    -- logged before it) to a day past as_of, within the business calendar's range
    select
        greatest(
            cast('{{ var('calendar_start_date', '2020-01-01') }}' as timestamp),
            cast(
                {{ dbt.date_trunc('day', dbt.dateadd('day', -1, 'min(created_at)')) }} as timestamp
            )
        ) as first_at,
        least(
            cast('{{ var('calendar_end_date', '2031-01-01') }}' as timestamp),
            cast({{ dbt.date_trunc('day', dbt.dateadd(
                'day', 2, 'greatest(max(created_at), ' ~ pulse_as_of() ~ ')'
            )) }} as timestamp),
            cast({{ dbt.date_trunc('day', dbt.dateadd('day', 2, 'current_date')) }} as timestamp)
        ) as last_at
    from tickets

),

quarter_hours as (

    {{ quarter_hour_series('(select first_at from bounds)', '(select last_at from bounds)') }}

),

localized as (

    select
        quarter_hour_at,
        cast({{ pulse_utc_to_local('quarter_hour_at') }} as date) as local_date
    from quarter_hours

),

final as (

    select
        quarter_hour_at,
        local_date,
        cast({{ dbt.date_trunc('week', 'local_date') }} as date) as local_week_start,
        cast({{ dbt.date_trunc('month', 'local_date') }} as date) as local_month_start
    from localized

)

select * from final
