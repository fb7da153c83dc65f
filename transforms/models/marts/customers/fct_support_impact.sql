-- Accounts with at least one SLA breach beside those without (the customers page's
-- "support impact"): among the accounts with SLA-tracked outcomes (met or breached),
-- how many are still active in the latest month of fct_account_months, and their NPS
-- over all their responses.

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

account_months as (

    select * from {{ ref('fct_account_months') }}

),

nps_responses as (

    select * from {{ ref('fct_nps_responses') }}

),

breach as (

    select
        tickets.account_id,
        max(case when outcomes.outcome = 'breached' then 1 else 0 end) = 1 as had_breach
    from outcomes
    inner join tickets
        on outcomes.ticket_id = tickets.ticket_id
    -- the metrics overall SLA compliance counts (next-reply outcomes are per comment)
    where
        outcomes.outcome in ('met', 'breached')
        and outcomes.metric in ('first_response', 'resolution')
    group by tickets.account_id

),

active_now as (

    select
        account_id,
        max(case when is_active then 1 else 0 end) = 1 as is_active
    from account_months
    where month_start = (select max(latest.month_start) from account_months as latest)
    group by account_id

),

nps as (

    select
        account_id,
        count(*) as responses,
        sum(case when score >= 9 then 1 else 0 end) as promoters,
        sum(case when score <= 6 then 1 else 0 end) as detractors
    from nps_responses
    group by account_id

),

final as (

    select
        breach.had_breach,
        cast(count(*) as bigint) as account_count,
        cast(sum(case when coalesce(active_now.is_active, false) then 1 else 0 end) as bigint)
            as retained_accounts,
        cast({{ pct(
            'sum(case when coalesce(active_now.is_active, false) then 1 else 0 end)', 'count(*)'
        ) }} as double) as retained_pct,
        cast(coalesce(sum(nps.responses), 0) as bigint) as nps_responses,
        cast({{ pct('sum(nps.promoters) - sum(nps.detractors)', 'sum(nps.responses)') }} as double)
            as nps
    from breach
    left join active_now
        on breach.account_id = active_now.account_id
    left join nps
        on breach.account_id = nps.account_id
    group by breach.had_breach

)

select * from final
