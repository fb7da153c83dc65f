{#-
    Median and 90th percentile elapsed minutes of completed first-response and
    resolution clocks per period (ISO week, month, quarter, year of the outcome's
    business date) x support tier ('all' = every tier) x metric, for the /sla page's
    distribution cards. Percentiles do not add up across tiers or periods, so each row
    is computed from its own clocks.

    The percentiles are percentile_cont's, computed from counts per distinct elapsed
    value rather than by percentile_cont itself: DuckDB holds every value of an
    ordered-set aggregate's group in memory and cannot spill it, and at 10 M tickets
    the yearly all-tier groups failed the build under a 3.5 GB memory limit. A
    group-by and a window over the counts spill (DECISIONLOG, "Memory").

    Incremental (issue 16 item 3): a period none of whose completed clocks changed
    keeps its rows; an incremental build recomputes the periods from the first day a
    changed clock touches (macros/sla_incremental.sql, strategy pulse_period_replace),
    mostly the current week, month, quarter and year.
-#}

{%- set period_kinds = ['iso_week', 'month', 'quarter', 'year'] %}
{%- set percentiles = [('median', 0.5), ('p90', 0.9)] %}
{{
    config(
        materialized=pulse_ticket_incremental_materialization(),
        incremental_strategy='pulse_period_replace',
        period_kinds=period_kinds,
        on_schema_change='fail'
    )
}}
{#- a ref outside the `if` below, so that dbt records the dependency when parsing; not
    in a unit test (never incremental), whose fixtures would have to list the set -#}
{%- if model.resource_type != 'unit_test' %}
    {%- set recomputed = ref('int_sla_recomputed_tickets') %}
{%- endif %}

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

{% if is_incremental() %}
-- the first day of the periods this build recomputes (null: none)
changed_from as {{ pulse_cte_materialized() }} (

    select {{ pulse_changed_clocks_from_date() }} as from_date

),
{% endif %}

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
        -- incremental runs only: the years holding a changed clock (sqlfluff lints the
        -- full-refresh render, where the filter is empty, and wants it at this indent)
        {{ pulse_changed_periods_filter('year', business_date('outcome_at')) }}  -- noqa: LT02

),

value_counts as (

    {% for kind, all_tier in period_tier_parts(period_kinds) %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ period_start_of(kind, 'outcome_date') }} as period_start,
            {{ "'all'" if all_tier else 'support_tier' }} as support_tier,
            metric,
            elapsed_minutes,
            count(*) as value_count
        from dated
        where true {{ pulse_changed_periods_filter(kind, 'dated.outcome_date') }}
        group by 1, 2, 3, 4, 5
    {% endfor %}

),

-- each distinct value with the number of clocks at or below it, and the group's size
value_ranks as (

    select
        period_kind,
        period_start,
        support_tier,
        metric,
        elapsed_minutes,
        sum(value_count) over (
            partition by period_kind, period_start, support_tier, metric
            order by elapsed_minutes
            rows between unbounded preceding and current row
        ) as running_count,
        sum(value_count) over (
            partition by period_kind, period_start, support_tier, metric
        ) as completed_count
    from value_counts

),

-- percentile_cont(p): the 0-based position p x (n - 1) among the group's sorted values
positioned as (

    select
        *,
        {% for name, fraction in percentiles %}
            cast(completed_count - 1 as double) * {{ fraction }} as {{ name }}_position
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from value_ranks

),

-- the values at the floor and the ceiling of each position: the value at 0-based rank k
-- is the smallest whose running count exceeds k
bracketed as (

    select
        period_kind,
        period_start,
        support_tier,
        metric,
        completed_count,
        {% for name, fraction in percentiles %}
            max({{ name }}_position - floor({{ name }}_position)) as {{ name }}_ceiling_weight,
            min(case when running_count > floor({{ name }}_position) then elapsed_minutes end)
                as {{ name }}_floor_minutes,
            min(case when running_count > ceil({{ name }}_position) then elapsed_minutes end)
                as {{ name }}_ceiling_minutes
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from positioned
    group by 1, 2, 3, 4, 5

),

final as (

    select
        period_kind,
        {{ period_label_of('period_kind', 'period_start') }} as period_label,
        period_start,
        support_tier,
        metric,
        cast(completed_count as bigint) as completed_count,
        {% for name, fraction in percentiles %}
            cast(
                {{ name }}_floor_minutes
                + {{ name }}_ceiling_weight
                * ({{ name }}_ceiling_minutes - {{ name }}_floor_minutes)
                as double
            ) as {{ name }}_elapsed_minutes
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from bracketed
    where period_start <= {{ reporting_end_date() }}

)

select
    {{ dbt.concat([
        'period_kind', "'|'", 'period_label', "'|'", 'support_tier', "'|'", 'metric'
    ]) }} as sla_time_stats_key,
    final.*
from final
