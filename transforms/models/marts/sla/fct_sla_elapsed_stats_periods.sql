{#-
    Median and 90th percentile elapsed minutes of completed first-response and
    resolution clocks per period (ISO week, month, quarter, year of the outcome's
    business date) x support tier ('all' = every tier) x metric, for the /sla page's
    distribution cards. Percentiles do not add up across tiers or periods, so each row
    is computed from its own clocks.
-#}

{%- set period_kinds = ['iso_week', 'month', 'quarter', 'year'] %}

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

-- read by every period x tier part below: computed once
dated as {{ pulse_cte_materialized() }} (

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

    {% for kind, all_tier in period_tier_parts(period_kinds) %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ period_start_of(kind, 'outcome_date') }} as period_start,
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
        {{ period_label_of('period_kind', 'period_start') }} as period_label,
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
