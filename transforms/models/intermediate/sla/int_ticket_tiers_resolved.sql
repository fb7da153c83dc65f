{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='pulse_ticket_replace',
        on_schema_change='fail'
    )
}}
{#-
    One row per ticket: its support tier at creation = the support_tier of the account's
    support_plan contract active on the Moscow date of creation (start and end dates
    inclusive, open-ended without end date; of several, the one that started last, then
    the highest contract_id); none active means `free`.

    Incremental (issue 16 item 3): only the tickets in int_sla_recomputed_tickets are
    recomputed and replaced (strategy pulse_ticket_replace, macros/sla_incremental.sql);
    every other ticket's rows are carried from the previous build.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}
    -- incremental runs only: the tickets this build recomputes (sqlfluff lints the
    -- full-refresh render, where the filter is empty, and wants it at this indent)
    where true
        {{ pulse_recomputed_tickets_filter('ticket_id') }}  -- noqa: LT02

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}
    where is_support_plan

),

calendar_days as (

    select
        date_day,
        day_start_at,
        next_day_start_at
    from {{ ref('int_calendar_days') }}
    where schedule_id = '{{ var("reference_schedule_id") }}'

),

-- Moscow date of creation: as-of join on the days' UTC starts (no per-row time zone
-- conversion); outside the calendar's range, convert the time zone
ticket_dates as (

    select
        tickets.ticket_id,
        tickets.account_id,
        case
            when tickets.created_at < calendar_days.next_day_start_at then calendar_days.date_day
            else {{ business_date('tickets.created_at') }}
        end as created_date_local
    from tickets
    {{ pulse_asof_left_join("calendar_days", "calendar_days", "tickets.created_at",
        "day_start_at", "next_day_start_at") }}

),

candidates as (

    select
        ticket_dates.ticket_id,
        contracts.contract_id,
        contracts.support_tier,
        row_number() over (
            partition by ticket_dates.ticket_id
            order by contracts.start_date desc, contracts.contract_id desc
        ) as contract_rank
    from ticket_dates
    inner join contracts
        on
            ticket_dates.account_id = contracts.account_id
            and ticket_dates.created_date_local >= contracts.start_date
            and (
                contracts.end_date is null
                or ticket_dates.created_date_local <= contracts.end_date
            )

),

final as (

    select
        ticket_dates.ticket_id,
        ticket_dates.created_date_local,
        candidates.contract_id as support_contract_id,
        coalesce(candidates.support_tier, 'free') as support_tier
    from ticket_dates
    left join candidates
        on
            ticket_dates.ticket_id = candidates.ticket_id
            and candidates.contract_rank = 1

)

select * from final
