-- Support impact on customers (DESIGN s5, the customers page): accounts that had at
-- least one SLA breach against those that had SLA-tracked tickets and none. Per group:
-- accounts, the share still active in the latest month of fct_account_months, and NPS
-- over all the group's responses. Two rows (had_breach true / false); the dashboard
-- reads them as they are.

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
    inner join tickets on tickets.ticket_id = outcomes.ticket_id
    where outcomes.outcome in ('met', 'breached')
    group by tickets.account_id

),

active_now as (

    select
        account_id,
        max(case when is_active then 1 else 0 end) = 1 as is_active
    from account_months
    where month_start = (select max(month_start) from account_months)
    group by account_id

),

nps as (

    select
        account_id,
        count(*) as responses,
        sum(case when is_promoter then 1 else 0 end) as promoters,
        sum(case when is_detractor then 1 else 0 end) as detractors
    from nps_responses
    group by account_id

),

final as (

    select
        breach.had_breach,
        cast(count(*) as bigint) as accounts,
        cast(sum(case when coalesce(active_now.is_active, false) then 1 else 0 end) as bigint)
            as retained_accounts,
        cast(
            {{ pct('sum(case when coalesce(active_now.is_active, false) then 1 else 0 end)', 'count(*)') }}
            as double
        ) as retained_pct,
        cast(coalesce(sum(nps.responses), 0) as bigint) as nps_responses,
        cast({{ pct('sum(nps.promoters) - sum(nps.detractors)', 'sum(nps.responses)') }} as double)
            as nps
    from breach
    left join active_now on active_now.account_id = breach.account_id
    left join nps on nps.account_id = breach.account_id
    group by breach.had_breach

)

select * from final
