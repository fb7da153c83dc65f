-- One row per team, period and metric: the engineers' rows of fct_engineer_periods
-- summed (numerators over denominators, never a mean of the engineers' values), so a
-- lead's view of the engineers they may not see by name, and the team trend, read a
-- row. tickets_handled is per engineer-week, kb_articles per engineer; the target is
-- the mean of the engineers' tier targets (a team is one tier); status by
-- metric_status.

with

engineer_periods as (

    select * from {{ ref('fct_engineer_periods') }}

),

per_team as (

    select
        team_id,
        period_kind,
        period_label,
        period_start,
        period_end,
        is_partial,
        metric,
        max(unit) as unit,
        max(direction) as direction,
        count(*) as engineers,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        avg(target) as target,
        avg(target_max) as target_max,
        avg(amber_band_pct) as amber_band_pct,
        max(case when unit = 'pct' then 100 else 1 end) as scale
    from engineer_periods
    where team_id is not null
    group by team_id, period_kind, period_label, period_start, period_end, is_partial, metric

),

final as (

    select
        {{ dbt.concat([
            'team_id', "'|'", 'period_kind', "'|'", 'period_label', "'|'", 'metric'
        ]) }} as team_period_metric_key,
        team_id,
        period_kind,
        period_label,
        period_start,
        period_end,
        is_partial,
        metric,
        unit,
        cast(engineers as bigint) as engineers,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        cast(case when denominator > 0 then scale * numerator / denominator end as double)
            as value,
        cast(target as double) as target,
        cast(target_max as double) as target_max,
        direction,
        {{ metric_status(
            'case when denominator > 0 then scale * numerator / denominator end',
            'target', 'direction', 'amber_band_pct', 'target_max'
        ) }} as status
    from per_team

)

select * from final
