{#-
    Median and 90th percentile elapsed minutes of completed first-response and
    resolution clocks per period (ISO week, month, quarter, year of the outcome's
    business date) x support tier ('all' = every tier) x metric, for the /sla page's
    distribution cards. Percentiles do not add up across tiers or periods, so each row
    is computed from its own clocks.
-#}

{%- set period_kinds = [
    ('iso_week', "cast(" ~ dbt.date_trunc('week', 'outcome_date') ~ " as date)"),
    ('month', "cast(" ~ dbt.date_trunc('month', 'outcome_date') ~ " as date)"),
    ('quarter', "cast(" ~ dbt.date_trunc('quarter', 'outcome_date') ~ " as date)"),
    ('year', "cast(" ~ dbt.date_trunc('year', 'outcome_date') ~ " as date)"),
] %}

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

dated as (

    select
        {{ business_date('outcome_at') }} as outcome_date,
        support_tier,
        metric,
        elapsed_minutes
    from outcomes
    where
        metric in ('first_response', 'resolution')
        and completed_at is not null
        and outcome_at is not null

),

periods as (

    {%- set parts = [] %}
    {%- for kind, start_expr in period_kinds %}
        {%- for all_tier in [false, true] %}
            {%- do parts.append((kind, start_expr, all_tier)) %}
        {%- endfor %}
    {%- endfor %}
    {% for kind, start_expr, all_tier in parts %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ start_expr }} as period_start,
            {{ "'all'" if all_tier else 'support_tier' }} as support_tier,
            metric,
            count(*) as completed_count,
            -- the standard ordered-set form: DuckDB and Spark both read it
            percentile_cont(0.5) within group (order by elapsed_minutes)
                as median_elapsed_minutes,
            percentile_cont(0.9) within group (order by elapsed_minutes)
                as p90_elapsed_minutes
        from dated
        group by 1, 2, 3, 4
    {% endfor %}

),

final as (

    select
        period_kind,
        case period_kind
            when 'iso_week' then {{ iso_week_label('period_start') }}
            when 'month' then {{ month_label('period_start') }}
            when 'quarter' then {{ quarter_label('period_start') }}
            else {{ year_label('period_start') }}
        end as period_label,
        period_start,
        support_tier,
        metric,
        cast(completed_count as bigint) as completed_count,
        cast(median_elapsed_minutes as double) as median_elapsed_minutes,
        cast(p90_elapsed_minutes as double) as p90_elapsed_minutes
    from periods
    where period_start <= {{ reporting_end_date() }}

)

select
    {{ dbt.concat([
        'period_kind', "'|'", 'period_label', "'|'", 'support_tier', "'|'", 'metric'
    ]) }} as sla_time_stats_key,
    final.*
from final
