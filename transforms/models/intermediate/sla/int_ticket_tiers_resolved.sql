{#-
    One row per ticket: its support tier at creation = the support_tier of the account's
    support_plan contract active on the Moscow date of creation (start and end dates
    inclusive, open-ended without end date; of several, the one that started last, then
    the highest contract_id); none active means `free`.
-#}
with

tickets as (

    select * from {{ ref('stg_helpdesk__tickets') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}
    where is_support_plan

),

ticket_dates as (

    select
        ticket_id,
        account_id,
        {{ pulse_business_date('created_at') }} as created_date_local
    from tickets

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
        on ticket_dates.account_id = contracts.account_id
        and ticket_dates.created_date_local >= contracts.start_date
        and (contracts.end_date is null or ticket_dates.created_date_local <= contracts.end_date)

),

final as (

    select
        ticket_dates.ticket_id,
        ticket_dates.created_date_local,
        candidates.contract_id as support_contract_id,
        coalesce(candidates.support_tier, 'free') as support_tier
    from ticket_dates
    left join candidates
        on ticket_dates.ticket_id = candidates.ticket_id
        and candidates.contract_rank = 1

)

select * from final
