-- The actual of every key result (okr_key_results) for every period of its fiscal
-- year, in total and per support tier / segment / region where the KR can be broken
-- down. The months of the ratio, ytd_sum and cumulative_count KRs come from one
-- intermediate model per kind of actual (int_okr_actuals_sla, _tickets, _surveys,
-- _finance, _knowledge), the ytd_ratio and manual KRs' values from
-- int_okr_actuals_customers and int_okr_actuals_manual:
--   ratio            sum(numerator) / sum(denominator) over the period's months
--                    (x100 for percentages and NPS); NPS is read per survey wave, so
--                    it has quarter and year values only
--   ytd_sum          sum of the numerator from the start of the fiscal year to the
--                    period's end (support-attributed revenue)
--   cumulative_count all-time count up to the period's end (published KB articles)
--   ytd_ratio        the retention year-to-date cohort ending in the period's last
--                    month (or the latest month of a period in progress)
--   manual           okr_manual_values: the period's own value; a quarter without one
--                    takes its months' values (last or sum, per manual_rollup), a year
--                    its quarters'
-- Periods that had not started by the reporting end have no actual.

{%- set monthly_models = [
    'int_okr_actuals_sla', 'int_okr_actuals_tickets', 'int_okr_actuals_surveys',
    'int_okr_actuals_finance', 'int_okr_actuals_knowledge'
] %}
{%- set period_models = ['int_okr_actuals_customers', 'int_okr_actuals_manual'] %}

with

kr_periods as (

    select * from {{ ref('int_okr_key_results_spined') }}

),

monthly_totals as (

    -- one row per KR, month and breakdown values, from the model of each kind of actual
    {% for monthly_model in monthly_models %}
        {% if not loop.first %}union all{% endif %}
        select * from {{ ref(monthly_model) }}
    {% endfor %}

),

period_actuals as (

    -- the ytd_ratio and manual KRs, whose models give each period's actual
    {% for period_model in period_models %}
        {% if not loop.first %}union all{% endif %}
        select
            kr_id,
            fiscal_year,
            period_type,
            period,
            dim_tier,
            dim_segment,
            dim_region,
            actual,
            numerator,
            denominator,
            in_period_numerator
        from {{ ref(period_model) }}
    {% endfor %}

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

final as (

    select * from fact_values
    union all
    select * from period_actuals

)

select * from final
