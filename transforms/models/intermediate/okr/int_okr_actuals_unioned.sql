-- The actual of every key result (okr_key_results) for every period of its fiscal
-- year, in total and per support tier / segment / region where the KR can be broken
-- down. Values come from the marts (never re-derived from raw data):
--   ratio            sum(numerator) / sum(denominator) over the period's months
--                    (x100 for percentages and NPS); NPS is read per survey wave, so
--                    it has quarter and year values only
--   ytd_sum          sum of the numerator from the start of the fiscal year to the
--                    period's end (support-attributed revenue)
--   cumulative_count all-time count up to the period's end (published KB articles)
--   ytd_ratio        fct_retention's year-to-date cohort ending in the period's last
--                    month (or the latest month of a period in progress)
--   manual           okr_manual_values: the period's own value; a quarter without one
--                    takes its months' values (last or sum, per manual_rollup), a year
--                    its quarters'
-- Periods that had not started by the reporting end have no actual.

with

key_results as (

    select * from {{ ref('okr_key_results') }}

),

periods as (

    select * from {{ ref('int_okr_periods_spined') }}

),

csat as (

    select * from {{ ref('fct_csat_responses') }}

),

nps as (

    select * from {{ ref('fct_nps_responses') }}

),

sla_outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

cost_per_ticket as (

    select * from {{ ref('fct_cost_per_ticket') }}

),

opportunities as (

    select * from {{ ref('fct_opportunities') }}

),

kb_articles as (

    select * from {{ ref('fct_kb_articles') }}

),

retention as (

    select * from {{ ref('fct_retention') }}

),

manual_values as (

    select * from {{ ref('stg_okr__manual_values') }}

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

tickets_with_account as (

    select
        tickets.*,
        accounts.segment,
        accounts.region
    from tickets
    left join accounts
        on tickets.account_id = accounts.account_id

),

-- one row per KR, month and breakdown values: additive numerator and denominator
monthly_facts as (

    select
        'csat' as kr_id,
        responded_month as month_start,
        support_tier,
        segment,
        region,
        cast(case when is_satisfied then 1 else 0 end as double) as numerator,
        cast(1 as double) as denominator
    from csat

    union all

    select
        'nps' as kr_id,
        cast({{ dbt.dateadd('month', '(cast(substring(wave, 7, 1) as integer) - 1) * 3',
            "cast(concat(substring(wave, 1, 4), '-01-01') as date)") }} as date) as month_start,
        support_tier,
        segment,
        region,
        cast(nps_points as double) / 100 as numerator,
        cast(1 as double) as denominator
    from nps

    {% for kr_id, metric_filter in [
        ('first_response_sla', "= 'first_response'"),
        ('resolution_sla', "= 'resolution'"),
        ('sla_compliance', "in ('first_response', 'resolution')")
    ] %}
        union all

        select
            '{{ kr_id }}' as kr_id,
            {{ business_month_of('sla_outcomes.outcome_at', 'qh') }} as month_start,
            sla_outcomes.support_tier,
            tickets_with_account.segment,
            tickets_with_account.region,
            cast(case when sla_outcomes.outcome = 'met' then 1 else 0 end as double) as numerator,
            cast(1 as double) as denominator
        from sla_outcomes
        left join tickets_with_account
            on sla_outcomes.ticket_id = tickets_with_account.ticket_id
        {{ business_periods_join('sla_outcomes.outcome_at', 'qh') }}
        where
            sla_outcomes.metric {{ metric_filter }}
            and sla_outcomes.outcome in ('met', 'breached')
    {% endfor %}

    -- shares of the tickets solved in the month
    {% for kr_id, flag in [('fcr', 'is_fcr'), ('escalation_rate', 'is_escalated')] %}
        union all

        select
            '{{ kr_id }}' as kr_id,
            {{ business_month_of('tickets_with_account.solved_at', 'qh') }} as month_start,
            tickets_with_account.support_tier,
            tickets_with_account.segment,
            tickets_with_account.region,
            cast(case when tickets_with_account.{{ flag }} then 1 else 0 end as double)
                as numerator,
            cast(1 as double) as denominator
        from tickets_with_account
        {{ business_periods_join('tickets_with_account.solved_at', 'qh') }}
        where tickets_with_account.solved_at is not null and not tickets_with_account.is_open
    {% endfor %}

    union all

    select
        'automation_share' as kr_id,
        {{ business_month_of('tickets_with_account.created_at', 'qh') }} as month_start,
        tickets_with_account.support_tier,
        tickets_with_account.segment,
        tickets_with_account.region,
        cast(case when tickets_with_account.solved_by_bot then 1 else 0 end as double) as numerator,
        cast(1 as double) as denominator
    from tickets_with_account
    {{ business_periods_join('tickets_with_account.created_at', 'qh') }}
    where tickets_with_account.is_started_in_tier1

    union all

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

    union all

    select
        'kb_articles' as kr_id,
        cast({{ dbt.date_trunc('month', 'published_date') }} as date) as month_start,
        cast(null as {{ dbt.type_string() }}) as support_tier,
        cast(null as {{ dbt.type_string() }}) as segment,
        cast(null as {{ dbt.type_string() }}) as region,
        cast(1 as double) as numerator,
        cast(null as double) as denominator
    from kb_articles
    where is_published

),

monthly_totals as (

    -- pre-aggregated to one row per KR, month and breakdown values
    select
        kr_id,
        month_start,
        support_tier,
        segment,
        region,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from monthly_facts
    group by kr_id, month_start, support_tier, segment, region

),

kr_periods as (

    select
        key_results.kr_id,
        cast(key_results.fiscal_year as integer) as fiscal_year,
        key_results.measure,
        key_results.unit,
        key_results.has_breakdown,
        key_results.manual_rollup,
        periods.period_type,
        periods.period,
        periods.period_start,
        periods.period_end,
        case key_results.measure
            when 'ytd_sum' then cast({{ dbt.date_trunc('year', 'periods.period_start') }} as date)
            when 'cumulative_count' then cast('1900-01-01' as date)
            else periods.period_start
        end as window_start
    from key_results
    inner join periods
        on periods.fiscal_year = cast(key_results.fiscal_year as integer)
    where
        periods.period_start <= {{ reporting_end_date() }}
        and not (key_results.kr_id = 'nps' and periods.period_type = 'month')

),

fact_actuals as (

    {% for active in breakdown_sets() %}
        select
            kr_periods.kr_id,
            kr_periods.fiscal_year,
            kr_periods.period_type,
            kr_periods.period,
            {{ breakdown_columns(
                active, 'monthly_totals.support_tier', 'monthly_totals.segment', 'monthly_totals.region'
            ) }},
            kr_periods.measure,
            kr_periods.unit,
            sum(monthly_totals.numerator) as numerator,
            sum(monthly_totals.denominator) as denominator,
            sum(case
                when monthly_totals.month_start >= kr_periods.period_start
                    then monthly_totals.numerator
                else 0
            end) as in_period_numerator
        from kr_periods
        inner join monthly_totals
            on
                kr_periods.kr_id = monthly_totals.kr_id
                and monthly_totals.month_start
                between kr_periods.window_start and kr_periods.period_end
        where
            kr_periods.measure in ('ratio', 'ytd_sum', 'cumulative_count')
            {% if active %}and kr_periods.has_breakdown{% endif %}
        group by
            kr_periods.kr_id, kr_periods.fiscal_year, kr_periods.period_type, kr_periods.period,
            kr_periods.measure, kr_periods.unit
            {{- breakdown_group_by(
                active, 'monthly_totals.support_tier', 'monthly_totals.segment', 'monthly_totals.region'
            ) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

fact_values as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        dim_tier,
        dim_segment,
        dim_region,
        case
            when measure = 'ratio' and unit = 'usd' then {{ ratio('numerator', 'denominator') }}
            when measure = 'ratio' then {{ pct('numerator', 'denominator') }}
            else numerator
        end as actual,
        numerator,
        denominator,
        in_period_numerator
    from fact_actuals

),

retention_ends as (

    -- the year-to-date retention row that closes each period (its last month, or the
    -- latest month reached)
    select
        kr_periods.kr_id,
        kr_periods.fiscal_year,
        kr_periods.period_type,
        kr_periods.period,
        max(retention.end_month) as end_month
    from kr_periods
    inner join retention
        on
            retention.period_type = 'ytd'
            and retention.end_month between kr_periods.period_start and kr_periods.period_end
    where kr_periods.measure = 'ytd_ratio'
    group by kr_periods.kr_id, kr_periods.fiscal_year, kr_periods.period_type, kr_periods.period

),

retention_values as (

    select
        retention_ends.kr_id,
        retention_ends.fiscal_year,
        retention_ends.period_type,
        retention_ends.period,
        retention.dim_tier,
        retention.dim_segment,
        retention.dim_region,
        case retention_ends.kr_id
            when 'customer_retention' then retention.logo_retention_pct
            else retention.net_expansion_pct
        end as actual,
        case retention_ends.kr_id
            when 'customer_retention' then cast(retention.retained_accounts as double)
            else retention.ending_mrr_usd - retention.starting_mrr_usd
        end as numerator,
        case retention_ends.kr_id
            when 'customer_retention' then cast(retention.starting_accounts as double)
            else retention.starting_mrr_usd
        end as denominator,
        cast(null as double) as in_period_numerator
    from retention_ends
    inner join retention
        on
            retention.period_type = 'ytd'
            and retention_ends.end_month = retention.end_month

),

manual_months as (

    select
        kr_periods.kr_id,
        kr_periods.fiscal_year,
        kr_periods.period_type,
        kr_periods.period,
        kr_periods.manual_rollup,
        kr_periods.period_start,
        kr_periods.period_end,
        manual_values.value
    from kr_periods
    left join manual_values
        on
            kr_periods.kr_id = manual_values.kr_id
            and kr_periods.period = manual_values.period
    where kr_periods.measure = 'manual'

),

manual_quarter_from_months as (

    select
        quarters.kr_id,
        quarters.fiscal_year,
        quarters.period,
        sum(months.value) as value_sum,
        {{ pulse_last_by('months.value', 'months.period_start', 'months.period') }} as value_last
    from manual_months as quarters
    inner join manual_months as months
        on
            quarters.kr_id = months.kr_id
            and quarters.fiscal_year = months.fiscal_year
            and months.period_type = 'month'
            and months.period_start between quarters.period_start and quarters.period_end
            and months.value is not null
    where quarters.period_type = 'quarter'
    group by quarters.kr_id, quarters.fiscal_year, quarters.period

),

manual_quarters as (

    select
        manual_months.kr_id,
        manual_months.fiscal_year,
        manual_months.period_type,
        manual_months.period,
        manual_months.manual_rollup,
        manual_months.period_start,
        manual_months.period_end,
        coalesce(
            manual_months.value,
            case manual_months.manual_rollup
                when 'sum' then manual_quarter_from_months.value_sum
                else manual_quarter_from_months.value_last
            end
        ) as value
    from manual_months
    left join manual_quarter_from_months
        on
            manual_months.kr_id = manual_quarter_from_months.kr_id
            and manual_months.fiscal_year = manual_quarter_from_months.fiscal_year
            and manual_months.period = manual_quarter_from_months.period
    where manual_months.period_type = 'quarter'

),

manual_years as (

    select
        years.kr_id,
        years.fiscal_year,
        years.period_type,
        years.period,
        case max(years.manual_rollup)
            when 'sum' then sum(quarters.value)
            else {{ pulse_last_by(
                'quarters.value', 'quarters.period_start', 'quarters.period',
                'quarters.value is not null'
            ) }}
        end as value
    from manual_months as years
    inner join manual_quarters as quarters
        on
            years.kr_id = quarters.kr_id
            and years.fiscal_year = quarters.fiscal_year
    where years.period_type = 'year'
    group by years.kr_id, years.fiscal_year, years.period_type, years.period

),

manual_values_resolved as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_months
    where period_type = 'month'

    union all

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_quarters

    union all

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        value
    from manual_years

),

manual_actuals as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        'all' as dim_tier,
        'all' as dim_segment,
        'all' as dim_region,
        value as actual,
        value as numerator,
        cast(null as double) as denominator,
        cast(null as double) as in_period_numerator
    from manual_values_resolved
    where value is not null

),

final as (

    select * from fact_values
    union all
    select * from retention_values
    union all
    select * from manual_actuals

)

select * from final
