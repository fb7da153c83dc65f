{#-
    SLA compliance live and under each draft scenario (seeds/sla_policy_drafts.csv), per
    period (month, quarter, year of the outcome's business date) x support tier x
    priority x metric, for the what-if page. The draft is judged by the live rule:
    met / (met + breached) among outcomes whose moment falls in the period. Draft counts
    are the live counts minus the changed rows' live outcomes plus their draft outcomes,
    each in the period its own moment falls in; changed_count counts the outcomes the
    draft flips with either moment in the period. Target and both statuses are the
    tier's overall SLA target (dim_metric_targets, as on /sla) and metric_status.
    Periods with neither a live nor a draft outcome have no row.
-#}

{%- set period_kinds = ['month', 'quarter', 'year'] %}

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

whatif as (

    select * from {{ ref('fct_sla_whatif_outcomes') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}
    where target_scope = 'support_tier' and metric = 'sla_compliance'

),

scenarios as (

    select distinct scenario from whatif

),

live_daily as (

    -- the live outcomes per day first, so the scenarios multiply days, not outcomes
    select
        {{ business_date('outcome_at') }} as outcome_date,
        support_tier,
        priority,
        metric,
        {{ pulse_count_if("outcome = 'met'") }} as met_count,
        {{ pulse_count_if("outcome = 'breached'") }} as breached_count
    from outcomes
    where outcome in ('met', 'breached') and outcome_at is not null
    group by 1, 2, 3, 4

),

deltas as (

    -- per scenario: live counts, minus the changed rows' live outcomes, plus their draft ones
    select
        scenarios.scenario,
        live_daily.outcome_date,
        live_daily.support_tier,
        live_daily.priority,
        live_daily.metric,
        live_daily.met_count as live_met,
        live_daily.breached_count as live_breached,
        live_daily.met_count as draft_met,
        live_daily.breached_count as draft_breached
    from live_daily
    cross join scenarios
    union all
    select
        scenario,
        {{ business_date('live_outcome_at') }} as outcome_date,
        support_tier,
        priority,
        metric,
        0 as live_met,
        0 as live_breached,
        -(case when live_outcome = 'met' then 1 else 0 end) as draft_met,
        -(case when live_outcome = 'breached' then 1 else 0 end) as draft_breached
    from whatif
    where live_outcome in ('met', 'breached') and live_outcome_at is not null
    union all
    select
        scenario,
        {{ business_date('draft_outcome_at') }} as outcome_date,
        support_tier,
        priority,
        metric,
        0 as live_met,
        0 as live_breached,
        case when draft_outcome = 'met' then 1 else 0 end as draft_met,
        case when draft_outcome = 'breached' then 1 else 0 end as draft_breached
    from whatif
    where draft_outcome in ('met', 'breached') and draft_outcome_at is not null

),

changed as (

    select
        scenario,
        support_tier,
        priority,
        metric,
        {{ business_date('live_outcome_at') }} as live_date,
        {{ business_date('draft_outcome_at') }} as draft_date
    from whatif
    where is_outcome_changed

),

periods as (

    {% for kind in period_kinds %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ period_start_of(kind, 'outcome_date') }} as period_start,
            scenario,
            support_tier,
            priority,
            metric,
            live_met,
            live_breached,
            draft_met,
            draft_breached,
            0 as changed_count
        from deltas
        {% for side in ['live_date', 'draft_date'] %}
            union all
            select
                '{{ kind }}' as period_kind,
                {{ period_start_of(kind, side) }} as period_start,
                scenario,
                support_tier,
                priority,
                metric,
                0 as live_met,
                0 as live_breached,
                0 as draft_met,
                0 as draft_breached,
                1 as changed_count
            from changed
            where
                {{ side }} is not null
                {%- if side == 'draft_date' %}
                    -- once when both moments fall in the same period
                    and (
                        live_date is null
                        or {{ period_start_of(kind, 'live_date') }}
                        <> {{ period_start_of(kind, 'draft_date') }}
                    )
                {%- endif %}
        {% endfor %}
    {% endfor %}

),

summed as (

    select
        period_kind,
        period_start,
        scenario,
        support_tier,
        priority,
        metric,
        sum(live_met) as live_met,
        sum(live_breached) as live_breached,
        sum(draft_met) as draft_met,
        sum(draft_breached) as draft_breached,
        sum(changed_count) as changed_count
    from periods
    group by 1, 2, 3, 4, 5, 6

),

labelled as (

    select
        summed.*,
        {{ period_label_of('summed.period_kind', 'summed.period_start') }} as period_label,
        {{ period_end_of('summed.period_kind', 'summed.period_start') }} as period_end
    from summed

),

final as (

    select
        {{ dbt.concat([
            'labelled.scenario', "'|'", 'labelled.period_label', "'|'",
            'labelled.support_tier', "'|'", 'labelled.priority', "'|'", 'labelled.metric'
        ]) }} as whatif_period_key,
        labelled.scenario,
        labelled.period_kind,
        labelled.period_label,
        labelled.period_start,
        labelled.period_end,
        labelled.period_end >= {{ reporting_end_date() }} as is_partial,
        labelled.support_tier,
        labelled.priority,
        labelled.metric,
        cast(labelled.live_met as bigint) as live_met_count,
        cast(labelled.live_breached as bigint) as live_breached_count,
        cast(labelled.draft_met as bigint) as draft_met_count,
        cast(labelled.draft_breached as bigint) as draft_breached_count,
        cast(labelled.changed_count as bigint) as changed_count,
        cast(
            {{ pct('labelled.live_met', 'labelled.live_met + labelled.live_breached') }}
            as double
        ) as live_compliance_pct,
        cast(
            {{ pct('labelled.draft_met', 'labelled.draft_met + labelled.draft_breached') }}
            as double
        ) as draft_compliance_pct,
        cast(
            {{ pct('labelled.draft_met', 'labelled.draft_met + labelled.draft_breached') }}
            - {{ pct('labelled.live_met', 'labelled.live_met + labelled.live_breached') }}
            as double
        ) as compliance_change_pp,
        cast(targets.target as double) as target_pct,
        {{ metric_status(
            pct('labelled.live_met', 'labelled.live_met + labelled.live_breached'),
            'targets.target', "'higher'", 'targets.amber_band_pct'
        ) }} as live_status,
        {{ metric_status(
            pct('labelled.draft_met', 'labelled.draft_met + labelled.draft_breached'),
            'targets.target', "'higher'", 'targets.amber_band_pct'
        ) }} as draft_status
    from labelled
    left join targets on labelled.support_tier = targets.subject
    where labelled.period_start <= {{ reporting_end_date() }}

)

select * from final
