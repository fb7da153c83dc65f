-- One row per month: support costs (USD, RUB) / tickets created in the month (business
-- time zone), and the automation share of the tickets created that month that started
-- in tier 1 (fct_tickets.is_started_in_tier1; solved_by_bot = solved by a bot with no
-- public agent comment).

with

support_costs as (

    select * from {{ ref('int_support_costs_converted') }}

),

tickets as (

    select * from {{ ref('int_tickets_summarised') }}

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

costs as (

    select
        cost_month as month_start,
        sum(amount_usd) as support_cost_usd,
        sum(amount_rub) as support_cost_rub
    from support_costs
    group by cost_month

),

ticket_counts as (

    select
        {{ business_month_of('tickets.created_at', 'qh') }} as month_start,
        count(*) as tickets_created,
        sum(case when tickets.is_started_in_tier1 then 1 else 0 end) as tier1_started_tickets,
        sum(
            case when tickets.is_started_in_tier1 and tickets.solved_by_bot then 1 else 0 end
        ) as automated_tickets
    from tickets
    {{ business_periods_join('tickets.created_at', 'qh') }}
    group by {{ business_month_of('tickets.created_at', 'qh') }}

),

months as (

    select month_start from costs
    union
    select month_start from ticket_counts

),

final as (

    select
        months.month_start,
        {{ month_label('months.month_start') }} as month,
        cast(costs.support_cost_usd as double) as support_cost_usd,
        cast(costs.support_cost_rub as double) as support_cost_rub,
        cast(coalesce(ticket_counts.tickets_created, 0) as bigint) as tickets_created,
        cast({{ ratio('costs.support_cost_usd', 'ticket_counts.tickets_created') }} as double)
            as cost_per_ticket_usd,
        cast({{ ratio('costs.support_cost_rub', 'ticket_counts.tickets_created') }} as double)
            as cost_per_ticket_rub,
        cast(coalesce(ticket_counts.tier1_started_tickets, 0) as bigint) as tier1_started_tickets,
        cast(coalesce(ticket_counts.automated_tickets, 0) as bigint) as automated_tickets,
        cast({{ pct(
            'ticket_counts.automated_tickets', 'ticket_counts.tier1_started_tickets'
        ) }} as double) as automation_share_pct,
        costs.month_start is not null as has_costs
    from months
    left join costs
        on months.month_start = costs.month_start
    left join ticket_counts
        on months.month_start = ticket_counts.month_start
    where months.month_start <= {{ reporting_end_date() }}

)

select * from final
