{#-
    The holiday calendar must cover every year the tickets span (creation to as_of) for
    every country a business schedule observes; a year with no holiday rows at all means
    the seed was generated before that year was added, and business clocks would run
    through its holidays. Fails the build naming the missing years and the command.
-#}
with

tickets as (

    select
        min(created_at) as first_created_at,
        max(created_at) as last_created_at
    from {{ ref('stg_helpdesk__tickets') }}
    where created_at <= {{ pulse_as_of() }}

),

countries as (

    select distinct calendar_country as country
    from {{ ref('business_schedules') }}
    where calendar_country is not null

),

span as (

    select distinct cast(extract(year from calendar_days.date_day) as integer) as calendar_year
    from {{ ref('int_calendar_days') }} as calendar_days
    cross join tickets
    where
        calendar_days.date_day >= cast(tickets.first_created_at as date)
        and calendar_days.date_day <= cast(tickets.last_created_at as date)

),

covered as (

    select distinct
        holidays.country,
        cast(extract(year from holidays.date) as integer) as calendar_year
    from {{ ref('holidays') }} as holidays

),

missing as (

    select
        countries.country,
        span.calendar_year
    from span
    cross join countries
    left join covered
        on countries.country = covered.country and span.calendar_year = covered.calendar_year
    where covered.calendar_year is null

),

-- the command rewrites the whole seed, so it must cover the years already there too
summary as (

    select
        {{ pulse_distinct_list(
            'cast(missing.calendar_year as ' ~ dbt.type_string() ~ ')', "', '"
        ) }} as missing_years,
        {{ pulse_distinct_list('missing.country', "', '") }} as missing_countries,
        least(min(missing.calendar_year), (select min(covered.calendar_year) from covered))
            as first_year,
        greatest(max(missing.calendar_year), (select max(covered.calendar_year) from covered))
            as last_year
    from missing
    having count(*) > 0

)

select
    {{ pulse_raise(
        "'holiday calendar lacks ' || missing_years || ' for ' || missing_countries"
        ~ " || ': run `pulse calendar update --years ' || cast(first_year as "
        ~ dbt.type_string() ~ ") || '-' || cast(last_year as " ~ dbt.type_string()
        ~ ") || '`, then build'"
    ) }} as message
from summary
