{#-
    The /sla page's breakdowns per period (ISO week, month, quarter, year of the
    outcome's business date) x support tier ('all' = every tier):
      dimension product_area / channel / team (metric 'overall': first response and
        resolution together, as overall compliance counts them): met + breached
        outcomes, breached, compliance = met / (met + breached);
      dimension elapsed_bucket (metric first_response or resolution): completed clocks
        with a target by elapsed time as % of their target in 10-point buckets
        (breakdown_key '0', '10', ... '300' = 300 % and more), and how many breached.
    Unknown product area, channel or team is '?'. The page reads rows; it sums nothing.
-#}

{%- set period_kinds = ['iso_week', 'month', 'quarter', 'year'] %}

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

dated as (

    select
        {{ business_date('outcomes.outcome_at') }} as outcome_date,
        outcomes.support_tier,
        outcomes.metric,
        outcomes.outcome,
        outcomes.completed_at is not null and outcomes.target_minutes > 0 as is_timed,
        case
            when outcomes.target_minutes > 0
                then cast(least(
                    floor(100.0 * outcomes.elapsed_minutes / outcomes.target_minutes / 10) * 10,
                    300
                ) as integer)
        end as elapsed_bucket,
        coalesce(tickets.product_area, '?') as product_area,
        coalesce(tickets.channel, '?') as channel,
        coalesce(teams.team_name, cast(tickets.team_id as {{ dbt.type_string() }}), '?') as team
    from outcomes
    inner join tickets on outcomes.ticket_id = tickets.ticket_id
    left join teams on tickets.team_id = teams.team_id
    where
        outcomes.metric in ('first_response', 'resolution')
        and outcomes.outcome in ('met', 'breached')
        and outcomes.outcome_at is not null

),

keyed as (

    {% for dimension in ['product_area', 'channel', 'team'] %}
        {% if not loop.first %}union all{% endif %}
        select
            outcome_date,
            support_tier,
            '{{ dimension }}' as dimension,
            'overall' as metric,
            {{ dimension }} as breakdown_key,
            outcome
        from dated
    {% endfor %}
    union all
    select
        outcome_date,
        support_tier,
        'elapsed_bucket' as dimension,
        metric,
        cast(elapsed_bucket as {{ dbt.type_string() }}) as breakdown_key,
        outcome
    from dated
    where is_timed

),

-- one row per business date and breakdown first: a period is a sum of its dates, and
-- the eight period x tier roll-ups below then read some 0.2 M daily rows, not the
-- 8 M keyed outcome rows each (issue 16: the mart is rebuilt on every build)
daily as (

    select
        outcome_date,
        support_tier,
        dimension,
        metric,
        breakdown_key,
        {{ pulse_count_if("outcome in ('met', 'breached')") }} as outcome_count,
        {{ pulse_count_if("outcome = 'met'") }} as met_count,
        {{ pulse_count_if("outcome = 'breached'") }} as breached_count
    from keyed
    group by 1, 2, 3, 4, 5

),

periods as (

    {% for kind, all_tier in period_tier_parts(period_kinds) %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            {{ period_start_of(kind, 'outcome_date') }} as period_start,
            {{ "'all'" if all_tier else 'support_tier' }} as support_tier,
            dimension,
            metric,
            breakdown_key,
            cast(sum(outcome_count) as bigint) as outcome_count,
            cast(sum(met_count) as bigint) as met_count,
            cast(sum(breached_count) as bigint) as breached_count
        from daily
        group by 1, 2, 3, 4, 5, 6
    {% endfor %}

),

final as (

    select
        period_kind,
        {{ period_label_of('period_kind', 'period_start') }} as period_label,
        period_start,
        {{ period_end_of('period_kind', 'period_start') }} as period_end,
        support_tier,
        dimension,
        metric,
        breakdown_key,
        cast(outcome_count as bigint) as outcome_count,
        cast(breached_count as bigint) as breached_count,
        cast({{ pct('met_count', 'outcome_count') }} as double) as compliance_pct
    from periods

)

select
    {{ dbt.concat([
        'final.period_kind', "'|'", 'final.period_label', "'|'", 'final.support_tier', "'|'",
        'final.dimension', "'|'", 'final.metric', "'|'", 'final.breakdown_key'
    ]) }} as sla_breakdown_key,
    final.*,
    final.period_end >= {{ reporting_end_date() }} as is_partial
from final
where final.period_start <= {{ reporting_end_date() }}
