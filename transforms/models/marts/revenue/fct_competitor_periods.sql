-- Win rate, POC conversion, deal size and sales cycle per period and competitor
-- (DESIGN s5), with an 'all' row per period: over the opportunities closed in the
-- period (business date of the close). win_rate = won / (won + lost); poc_conversion =
-- won with a POC / closed with a POC; avg_deal_usd over won deals; avg_sales_cycle_days
-- over closed deals with a cycle. No target: the strategy sets none.

{%- set breakdowns = [
    ('quarter', false), ('quarter', true), ('year', false), ('year', true)
] %}

with

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

closed as (

    {% for kind, all_competitors in breakdowns %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            cast({{ dbt.date_trunc(kind, 'close_date') }} as date) as period_start,
            {{ "'all'" if all_competitors else 'competitor' }} as competitor,
            is_won,
            is_lost,
            had_poc,
            is_poc_won,
            amount_usd,
            sales_cycle_days
        from opportunities
        where is_closed and close_date <= {{ reporting_end_date() }}
    {% endfor %}

),

per_period as (

    select
        period_kind,
        period_start,
        competitor,
        sum(case when is_won then 1 else 0 end) as won_count,
        sum(case when is_lost then 1 else 0 end) as lost_count,
        sum(case when had_poc then 1 else 0 end) as poc_closed_count,
        sum(case when is_poc_won then 1 else 0 end) as poc_won_count,
        sum(case when is_won then amount_usd else 0 end) as won_amount_usd,
        sum(sales_cycle_days) as sales_cycle_days_sum,
        count(sales_cycle_days) as sales_cycle_count
    from closed
    group by period_kind, period_start, competitor

),

final as (

    select
        {{ dbt.concat([
            'period_kind', "'|'",
            period_label_of('period_kind', 'period_start'),
            "'|'", 'competitor'
        ]) }} as competitor_period_key,
        period_kind,
        {{ period_label_of('period_kind', 'period_start') }} as period_label,
        period_start,
        {{ period_end_of('period_kind', 'period_start') }} as period_end,
        competitor,
        cast(won_count as bigint) as won_count,
        cast(lost_count as bigint) as lost_count,
        cast({{ pct('won_count', 'won_count + lost_count') }} as double) as win_rate_pct,
        cast(poc_closed_count as bigint) as poc_closed_count,
        cast(poc_won_count as bigint) as poc_won_count,
        cast({{ pct('poc_won_count', 'poc_closed_count') }} as double) as poc_conversion_pct,
        cast(won_amount_usd as double) as won_amount_usd,
        cast({{ ratio('won_amount_usd', 'won_count') }} as double) as avg_deal_usd,
        cast({{ ratio('sales_cycle_days_sum', 'sales_cycle_count') }} as double)
            as avg_sales_cycle_days
    from per_period

)

select
    *,
    period_end >= {{ reporting_end_date() }} as is_partial
from final
