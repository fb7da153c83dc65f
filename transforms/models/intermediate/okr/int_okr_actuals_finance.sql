-- One row per key result, month and breakdown values (support tier, segment, region) with the
-- additive numerator and denominator of the finance KRs: cost_per_ticket (support cost over
-- tickets created, months with costs) and attributed_revenue (credited USD of won opportunities
-- by close month). int_okr_actuals_unioned sums the months into periods.

with

cost_per_ticket as (

    select * from {{ ref('int_ticket_costs_allocated') }}

),

opportunities as (

    select * from {{ ref('int_opportunities_credited') }}

),

monthly_facts as (

    select
        'cost_per_ticket' as kr_id,
        month_start,
        cast(null as {{ dbt.type_string() }}) as support_tier,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        support_cost_usd as numerator,
        cast(tickets_created as double) as denominator
    from cost_per_ticket
    where has_costs

    union all

    select
        'attributed_revenue' as kr_id,
        close_month as month_start,
        support_tier,
        segment,
        region,
        credited_usd as numerator,
        cast(null as double) as denominator
    from opportunities
    where is_won

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    {{ okr_monthly_totals('monthly_facts') }}

)

select * from monthly_totals
