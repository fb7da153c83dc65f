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

    select distinct cast(extract(year from date_day) as integer) as year
    from {{ ref('int_calendar_days') }}
    where
        date_day >= (select cast(min(first_created_at) as date) from tickets)
        and date_day <= (select cast(max(last_created_at) as date) from tickets)

),

covered as (

    select distinct
        country,
        cast(extract(year from date) as integer) as year
    from {{ ref('holidays') }}

),

missing as (

    select
        countries.country,
        span.year
    from span
    cross join countries
    left join covered
        on countries.country = covered.country and span.year = covered.year
    where covered.year is null

),

-- the command rewrites the whole seed, so it must cover the years already there too
summary as (

    select
        string_agg(distinct cast(year as varchar), ', ' order by cast(year as varchar))
            as missing_years,
        string_agg(distinct country, ', ' order by country) as missing_countries,
        least(min(year), (select min(year) from covered)) as first_year,
        greatest(max(year), (select max(year) from covered)) as last_year
    from missing
    having count(*) > 0

)

select
    {{ pulse_raise(
        "'holiday calendar lacks ' || missing_years || ' for ' || missing_countries"
        ~ " || ': run `pulse calendar update --years ' || cast(first_year as varchar)"
        ~ " || '-' || cast(last_year as varchar) || '`, then build'"
    ) }} as message
from summary
