-- SLA compliance per period: one row per period (day, iso_week, month, quarter, year of
-- the outcome's business date) x support tier x priority x metric, with 'all' rows for
-- every tier, priority and metric ('overall' = both metrics together, DESIGN s5), from
-- fct_sla_daily. Compliance = met / (met + breached). Each row carries its target and
-- status: a tier's rows the tier's overall SLA target (tier_targets, DESIGN s4); the
-- all-tier rows the OKR target of the period's fiscal year (first_response_sla,
-- resolution_sla, sla_compliance for overall; a day or an ISO week takes its year's
-- target),
-- target_source says which.

{%- set period_kinds = ['day', 'iso_week', 'month', 'quarter', 'year'] %}

{%- set rollups = [
    (false, false, false), (true, false, false), (false, true, false), (false, false, true),
    (true, true, false), (true, false, true), (false, true, true), (true, true, true),
] %}

with

daily as (

    select * from {{ ref('fct_sla_daily') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}

),

dated as (

    {% for kind in period_kinds %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ period_start_of(kind, 'outcome_date') }} as period_start,
            support_tier,
            priority,
            metric,
            met_count,
            breached_count,
            pending_count
        from daily
    {% endfor %}

),

rolled_up as (

    {% for all_tier, all_priority, all_metric in rollups %}
        {% if not loop.first %}union all{% endif %}
        select
            period_kind,
            period_start,
            {{ "'all'" if all_tier else 'support_tier' }} as support_tier,
            {{ "'all'" if all_priority else 'priority' }} as priority,
            {{ "'overall'" if all_metric else 'metric' }} as metric,
            sum(met_count) as met_count,
            sum(breached_count) as breached_count,
            sum(pending_count) as pending_count
        from dated
        group by
            period_kind,
            period_start
            {%- if not all_tier %}, support_tier{% endif %}
            {%- if not all_priority %}, priority{% endif %}
            {%- if not all_metric %}, metric{% endif %}
    {% endfor %}

),

labelled as (

    select
        rolled_up.*,
        {{ period_label_of('rolled_up.period_kind', 'rolled_up.period_start') }}
            as period_label,
        {{ period_end_of('rolled_up.period_kind', 'rolled_up.period_start') }}
            as period_end,
        {{ year_of('rolled_up.period_start') }} as fiscal_year,
        case rolled_up.metric
            when 'first_response' then 'first_response_sla'
            when 'resolution' then 'resolution_sla'
            else 'sla_compliance'
        end as okr_kr_id
    from rolled_up

),

with_targets as (

    select
        labelled.*,
        case
            when labelled.support_tier = 'all'
                then coalesce(period_targets.target, year_targets.target)
            else tier_targets.target
        end as target_pct,
        case
            when labelled.support_tier = 'all'
                then coalesce(period_targets.amber_band_pct, year_targets.amber_band_pct)
            else tier_targets.amber_band_pct
        end as amber_band_pct,
        case
            when labelled.support_tier <> 'all' and tier_targets.target is not null
                then 'support_tier'
            when
                labelled.support_tier = 'all'
                and coalesce(period_targets.target, year_targets.target) is not null
                then 'okr'
        end as target_source
    from labelled
    left join targets as tier_targets
        on
            tier_targets.target_scope = 'support_tier'
            and labelled.support_tier = tier_targets.subject
            and tier_targets.metric = 'sla_compliance'
    left join targets as period_targets
        on
            period_targets.target_scope = 'okr'
            and labelled.okr_kr_id = period_targets.metric
            and labelled.fiscal_year = period_targets.fiscal_year
            and labelled.period_kind = period_targets.period_type
            and labelled.period_label = period_targets.period
    left join targets as year_targets
        on
            year_targets.target_scope = 'okr'
            and labelled.okr_kr_id = year_targets.metric
            and labelled.fiscal_year = year_targets.fiscal_year
            and year_targets.period_type = 'year'

),

final as (

    select
        {{ dbt.concat([
            'period_kind', "'|'", 'period_label', "'|'", 'support_tier', "'|'",
            'priority', "'|'", 'metric'
        ]) }} as sla_period_key,
        period_kind,
        period_label,
        period_start,
        period_end,
        period_end >= {{ reporting_end_date() }} as is_partial,
        support_tier,
        priority,
        metric,
        cast(met_count as bigint) as met_count,
        cast(breached_count as bigint) as breached_count,
        cast(met_count + breached_count as bigint) as outcome_count,
        cast(pending_count as bigint) as pending_count,
        cast({{ pct('met_count', 'met_count + breached_count') }} as double) as compliance_pct,
        cast(target_pct as double) as target_pct,
        target_source,
        {{ metric_status(
            pct('met_count', 'met_count + breached_count'), 'target_pct', "'higher'",
            'amber_band_pct'
        ) }} as status
    from with_targets
    -- pending clocks due after the reporting end's period are not a period yet
    where period_start <= {{ reporting_end_date() }}

)

select * from final
