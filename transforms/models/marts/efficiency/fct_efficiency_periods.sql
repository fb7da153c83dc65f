-- Revenue, cost and automation per period: one row per period (month, quarter, year;
-- the fiscal year is the calendar year) and metric, summed over the period's months
-- exactly as the OKR key results are (int_okr_actuals_unioned), so the revenue page
-- and the OKR page show one number:
--   cost_per_ticket     support costs (USD) / tickets created, months with costs only
--   automation_share    tier-1-started tickets solved by a bot / tier-1-started, percent
--   attributed_revenue  support-credited won revenue (USD) from the start of the year
--                       to the period's end (the KR is year to date); in_period_value
--                       is the period's own part
--   support_cost        support costs (USD); tickets_created: tickets created
-- Targets: the fiscal year's OKR target for the period (dim_metric_targets), else the
-- organisation target (automation share every year). Status by metric_status; the
-- projection of a partial period follows fct_okr_progress (linear in the period for
-- the year-to-date revenue, the value itself for ratios).

{%- set period_kinds = [('month', 1), ('quarter', 3), ('year', 12)] %}

with

cost_per_ticket as (

    select * from {{ ref('fct_cost_per_ticket') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}

),

monthly as (

    select
        month_start,
        case when has_costs then support_cost_usd else 0 end as cost_usd,
        case when has_costs then support_cost_rub else 0 end as cost_rub,
        case when has_costs then tickets_created else 0 end as costed_tickets,
        tickets_created,
        automated_tickets,
        tier1_started_tickets,
        cast(0 as double) as credited_usd
    from cost_per_ticket
    union all
    select
        close_month as month_start,
        0 as cost_usd,
        0 as cost_rub,
        0 as costed_tickets,
        0 as tickets_created,
        0 as automated_tickets,
        0 as tier1_started_tickets,
        credited_usd
    from opportunities
    where is_won

),

periods as (

    {% for kind, months in period_kinds %}
        {% if not loop.first %}union all{% endif %}
        select distinct
            '{{ kind }}' as period_kind,
            cast({{ dbt.date_trunc(kind, 'month_start') }} as date) as period_start,
            cast({{ dbt.dateadd(
                'day', -1, dbt.dateadd('month', months, dbt.date_trunc(kind, 'month_start'))
            ) }} as date) as period_end
        from monthly
        where month_start <= {{ reporting_end_date() }}
    {% endfor %}

),

per_period as (

    select
        periods.period_kind,
        periods.period_start,
        periods.period_end,
        sum(case when monthly.month_start >= periods.period_start then monthly.cost_usd end)
            as cost_usd,
        sum(case when monthly.month_start >= periods.period_start then monthly.cost_rub end)
            as cost_rub,
        sum(case
            when monthly.month_start >= periods.period_start then monthly.costed_tickets
        end) as costed_tickets,
        sum(case
            when monthly.month_start >= periods.period_start then monthly.tickets_created
        end) as tickets_created,
        sum(case
            when monthly.month_start >= periods.period_start then monthly.automated_tickets
        end) as automated_tickets,
        sum(case
            when monthly.month_start >= periods.period_start then monthly.tier1_started_tickets
        end) as tier1_started_tickets,
        sum(case
            when monthly.month_start >= periods.period_start then monthly.credited_usd
        end) as credited_in_period_usd,
        sum(monthly.credited_usd) as credited_ytd_usd
    from periods
    inner join monthly
        on
            monthly.month_start
            between cast({{ dbt.date_trunc('year', 'periods.period_start') }} as date)
            and periods.period_end
    group by periods.period_kind, periods.period_start, periods.period_end

),

{%- set metrics = [
    ('cost_per_ticket', 'cost_usd', 'costed_tickets', 'null', 'usd'),
    ('automation_share', 'automated_tickets', 'tier1_started_tickets', 'null', 'pct'),
    ('attributed_revenue', 'credited_ytd_usd', 'null', 'credited_in_period_usd', 'usd'),
    ('support_cost', 'cost_usd', 'null', 'cost_usd', 'usd'),
    ('tickets_created', 'tickets_created', 'null', 'tickets_created', 'count'),
] %}

metric_rows as (

    {% for metric, numerator, denominator, in_period, unit in metrics %}
        {% if not loop.first %}union all{% endif %}
        select
            period_kind,
            period_start,
            period_end,
            '{{ metric }}' as metric,
            '{{ unit }}' as unit,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator,
            cast({{ in_period }} as double) as in_period_value,
            {% if metric == 'cost_per_ticket' -%}
                cast({{ ratio('cost_rub', 'costed_tickets') }} as double)
            {%- elif metric == 'support_cost' -%}
                cast(cost_rub as double)
            {%- else -%}
                cast(null as double)
            {%- endif %} as value_rub
        from per_period
    {% endfor %}

),

labelled as (

    select
        metric_rows.*,
        {{ period_label_of('metric_rows.period_kind', 'metric_rows.period_start') }}
            as period_label,
        {{ year_of('metric_rows.period_start') }} as fiscal_year,
        case
            when metric_rows.unit = 'pct'
                then {{ pct('metric_rows.numerator', 'metric_rows.denominator') }}
            when metric_rows.denominator is not null
                then {{ ratio('metric_rows.numerator', 'metric_rows.denominator') }}
            else metric_rows.numerator
        end as value,
        {{ dbt.datediff('metric_rows.period_start', 'metric_rows.period_end', 'day') }}
        + 1 as period_days,
        case
            when {{ reporting_end_date() }} >= metric_rows.period_end
                then
                    {{ dbt.datediff('metric_rows.period_start', 'metric_rows.period_end', 'day') }}
                    + 1
            else
                {{ dbt.datediff('metric_rows.period_start', reporting_end_date(), 'day') }}
                + 1
        end as elapsed_days
    from metric_rows

),

with_targets as (

    select
        labelled.*,
        coalesce(okr_targets.target, org_targets.target) as target,
        coalesce(okr_targets.direction, org_targets.direction) as direction,
        coalesce(okr_targets.amber_band_pct, org_targets.amber_band_pct) as amber_band_pct,
        case
            when okr_targets.target is not null then 'okr'
            when org_targets.target is not null then 'organisation'
        end as target_source,
        case
            when labelled.metric = 'attributed_revenue' and labelled.elapsed_days > 0
                then
                    labelled.value - labelled.in_period_value
                    + labelled.in_period_value * labelled.period_days / labelled.elapsed_days
            else labelled.value
        end as projection
    from labelled
    left join targets as okr_targets
        on
            okr_targets.target_scope = 'okr'
            and labelled.metric = okr_targets.metric
            and labelled.fiscal_year = okr_targets.fiscal_year
            and labelled.period_kind = okr_targets.period_type
            and labelled.period_label = okr_targets.period
    left join targets as org_targets
        on
            org_targets.target_scope = 'organisation'
            and labelled.metric = org_targets.metric

),

final as (

    select
        {{ dbt.concat(['period_kind', "'|'", 'period_label', "'|'", 'metric']) }}
            as efficiency_period_key,
        period_kind,
        period_label,
        period_start,
        period_end,
        period_end >= {{ reporting_end_date() }} as is_partial,
        coalesce(
            period_end = max(
                case when period_end < {{ reporting_end_date() }} then period_end end
            ) over (partition by period_kind, metric),
            false
        ) as is_latest_complete,
        fiscal_year,
        metric,
        unit,
        numerator,
        denominator,
        cast(value as double) as value,
        value_rub,
        in_period_value,
        cast(target as double) as target,
        direction,
        target_source,
        {{ metric_status('value', 'target', 'direction', 'amber_band_pct') }} as status,
        cast(projection as double) as projection,
        {{ metric_status('projection', 'target', 'direction', 'amber_band_pct') }}
            as projected_status
    from with_targets

)

select * from final
