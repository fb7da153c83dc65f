-- Every target of every metric, one dimension (DESIGN s4): the support-tier targets
-- (tier_targets), the engineer-tier targets (engineer_targets, one row per metric),
-- the OKR targets per period (okr_targets with their KR's unit and direction) and the
-- organisation targets that hold every year (org_targets). Every mart with a status
-- takes its target and amber band from here.

with

tier_targets as (

    select * from {{ ref('tier_targets') }}

),

engineer_targets as (

    select * from {{ ref('engineer_targets') }}

),

okr_targets as (

    select * from {{ ref('okr_targets') }}

),

key_results as (

    select * from {{ ref('okr_key_results') }}

),

org_targets as (

    select * from {{ ref('org_targets') }}

),

{%- set engineer_metrics = [
    ('response_compliance', 'response_compliance_pct', 'null', 'pct', 'higher', 'period'),
    ('resolution_compliance', 'resolution_compliance_pct', 'null', 'pct', 'higher', 'period'),
    ('fcr', 'fcr_pct', 'null', 'pct', 'higher', 'period'),
    ('csat', 'csat_pct', 'null', 'pct', 'higher', 'period'),
    ('qa_score', 'qa_score', 'null', 'score', 'higher', 'period'),
    ('tickets_handled', 'tickets_handled_min', 'tickets_handled_max', 'count', 'range', 'week'),
    ('kb_articles', 'kb_articles_per_quarter', 'null', 'count', 'higher', 'quarter'),
    ('escalation_rate', 'escalation_rate_max_pct', 'null', 'pct', 'lower', 'period'),
] %}

unioned as (

    select
        'support_tier' as target_scope,
        cast(support_tier as {{ dbt.type_string() }}) as subject,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(null as integer) as fiscal_year,
        'any' as period_type,
        'any' as period,
        cast(target_pct as double) as target,
        cast(null as double) as target_max,
        'pct' as unit,
        'higher' as direction,
        'period' as target_per,
        'tier_targets' as source_seed
    from tier_targets

    {% for metric, column, max_column, unit, direction, per in engineer_metrics %}
        union all
        select
            'engineer_tier' as target_scope,
            cast(engineer_tier as {{ dbt.type_string() }}) as subject,
            '{{ metric }}' as metric,
            cast(null as integer) as fiscal_year,
            'any' as period_type,
            'any' as period,
            cast({{ column }} as double) as target,
            cast({{ max_column }} as double) as target_max,
            '{{ unit }}' as unit,
            '{{ direction }}' as direction,
            '{{ per }}' as target_per,
            'engineer_targets' as source_seed
        from engineer_targets
    {% endfor %}

    union all
    select
        'okr' as target_scope,
        'all' as subject,
        cast(okr_targets.kr_id as {{ dbt.type_string() }}) as metric,
        cast(okr_targets.fiscal_year as integer) as fiscal_year,
        cast(okr_targets.period_type as {{ dbt.type_string() }}) as period_type,
        cast(okr_targets.period as {{ dbt.type_string() }}) as period,
        cast(okr_targets.target as double) as target,
        cast(null as double) as target_max,
        cast(key_results.unit as {{ dbt.type_string() }}) as unit,
        cast(key_results.direction as {{ dbt.type_string() }}) as direction,
        'period' as target_per,
        'okr_targets' as source_seed
    from okr_targets
    inner join key_results
        on
            okr_targets.kr_id = key_results.kr_id
            and okr_targets.fiscal_year = key_results.fiscal_year

    union all
    select
        'organisation' as target_scope,
        'all' as subject,
        cast(metric as {{ dbt.type_string() }}) as metric,
        cast(null as integer) as fiscal_year,
        'any' as period_type,
        'any' as period,
        cast(target as double) as target,
        cast(null as double) as target_max,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(direction as {{ dbt.type_string() }}) as direction,
        'period' as target_per,
        'org_targets' as source_seed
    from org_targets

),

final as (

    select
        {{ dbt.concat([
            'target_scope', "'|'", 'subject', "'|'", 'metric', "'|'", 'period'
        ]) }} as target_key,
        target_scope,
        subject,
        metric,
        fiscal_year,
        period_type,
        period,
        target,
        target_max,
        unit,
        direction,
        target_per,
        cast({{ amber_band_pct() }} as double) as amber_band_pct,
        source_seed
    from unioned

)

select * from final
