-- One row per engineer, period and metric: every per-engineer metric of DESIGN s5 with
-- its numerator, denominator, value, the target of the engineer's tier
-- (dim_metric_targets) and its status (metric_status), for four kinds of period:
--   iso_week      each ISO week (Monday to Sunday, business time zone)
--   month         the ISO weeks whose Monday falls in the calendar month
--   quarter       the ISO weeks whose Monday falls in the calendar quarter
--   last_4_weeks  the four full ISO weeks before the week of the reporting end
-- A period is made of whole weeks of fct_engineer_weeks, so a week is never split and
-- the weekly rows add up to every longer period exactly. The teams page and the
-- engineer page read the same row for the same engineer, period and metric.
-- Shares are in percent (0-100); tickets_handled is per week (sum over the weeks /
-- weeks); kb_articles is the count in the period against the quarterly target
-- pro-rated by weeks (13 weeks a quarter).

with

weeks as (

    select * from {{ ref('fct_engineer_weeks') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}

),

bounds as (

    select
        {{ reporting_end_date() }} as reporting_end,
        cast({{ dbt.date_trunc('week', reporting_end_date()) }} as date) as current_week_start

),

week_periods as (

    select
        weeks.*,
        'iso_week' as period_kind,
        weeks.iso_week as period_label,
        weeks.week_start as period_start,
        cast({{ dbt.dateadd('day', 6, 'weeks.week_start') }} as date) as period_end
    from weeks

    -- a month or a quarter: the weeks whose Monday falls in it
    {% for kind, label, months in [('month', month_label, 1), ('quarter', quarter_label, 3)] %}
        union all
        select
            weeks.*,
            '{{ kind }}' as period_kind,
            {{ label('weeks.week_start') }} as period_label,
            cast({{ dbt.date_trunc(kind, 'weeks.week_start') }} as date) as period_start,
            cast({{ dbt.dateadd(
                'day', -1, dbt.dateadd('month', months, dbt.date_trunc(kind, 'weeks.week_start'))
            ) }} as date) as period_end
        from weeks
    {% endfor %}

    union all
    select
        weeks.*,
        'last_4_weeks' as period_kind,
        'last_4_weeks' as period_label,
        cast({{ dbt.dateadd('day', -28, 'bounds.current_week_start') }} as date)
            as period_start,
        cast({{ dbt.dateadd('day', -1, 'bounds.current_week_start') }} as date) as period_end
    from weeks
    cross join bounds
    where
        weeks.week_start >= cast({{ dbt.dateadd('day', -28, 'bounds.current_week_start') }} as date)
        and weeks.week_start < bounds.current_week_start

),

per_period as (

    select
        engineer_id,
        period_kind,
        period_label,
        period_start,
        period_end,
        max(engineer_tier) as engineer_tier,
        max(team_id) as team_id,
        count(*) as weeks_in_period,
        sum(first_responses_met) as first_responses_met,
        sum(first_responses_met + first_responses_breached) as first_responses_total,
        sum(resolutions_met) as resolutions_met,
        sum(resolutions_met + resolutions_breached) as resolutions_total,
        sum(fcr_tickets) as fcr_tickets,
        sum(tickets_solved) as tickets_solved,
        sum(csat_satisfied) as csat_satisfied,
        sum(csat_responses) as csat_responses,
        sum(qa_score_sum) as qa_score_sum,
        sum(qa_reviews) as qa_reviews,
        sum(tickets_handled) as tickets_handled,
        sum(kb_articles_published) as kb_articles_published,
        sum(escalations) as escalations
    from week_periods
    group by engineer_id, period_kind, period_label, period_start, period_end

),

{%- set metrics = [
    ('response_compliance', 'first_responses_met', 'first_responses_total', 100),
    ('resolution_compliance', 'resolutions_met', 'resolutions_total', 100),
    ('fcr', 'fcr_tickets', 'tickets_solved', 100),
    ('csat', 'csat_satisfied', 'csat_responses', 100),
    ('qa_score', 'qa_score_sum', 'qa_reviews', 1),
    ('tickets_handled', 'tickets_handled', 'weeks_in_period', 1),
    ('kb_articles', 'kb_articles_published', '1', 1),
    ('escalation_rate', 'escalations', 'tickets_solved + escalations', 100),
] %}

metric_rows as (

    {% for metric, numerator, denominator, scale in metrics %}
        {% if not loop.first %}union all{% endif %}
        select
            engineer_id,
            team_id,
            engineer_tier,
            period_kind,
            period_label,
            period_start,
            period_end,
            weeks_in_period,
            '{{ metric }}' as metric,
            cast({{ numerator }} as double) as numerator,
            cast({{ denominator }} as double) as denominator,
            {{ scale }} as scale
        from per_period
    {% endfor %}

),

with_targets as (

    select
        metric_rows.*,
        case
            when metric_rows.denominator > 0
                then metric_rows.scale * metric_rows.numerator / metric_rows.denominator
        end as value,
        case
            when targets.target_per = 'quarter'
                then targets.target * metric_rows.weeks_in_period / 13.0
            else targets.target
        end as target,
        targets.target_max,
        targets.unit,
        targets.direction,
        targets.amber_band_pct
    from metric_rows
    left join targets
        on
            targets.target_scope = 'engineer_tier'
            and metric_rows.engineer_tier = targets.subject
            and metric_rows.metric = targets.metric

),

final as (

    select
        {{ dbt.concat([
            'engineer_id', "'|'", 'period_kind', "'|'", 'period_label', "'|'", 'metric'
        ]) }} as engineer_period_metric_key,
        engineer_id,
        team_id,
        engineer_tier,
        period_kind,
        period_label,
        period_start,
        period_end,
        period_end >= (select bounds.reporting_end from bounds) as is_partial,
        cast(weeks_in_period as bigint) as weeks_in_period,
        metric,
        numerator,
        denominator,
        cast(value as double) as value,
        coalesce(unit, case when scale = 100 then 'pct' else 'count' end) as unit,
        cast(target as double) as target,
        cast(target_max as double) as target_max,
        direction,
        amber_band_pct,
        {{ metric_status('value', 'target', 'direction', 'amber_band_pct', 'target_max') }}
            as status,
        scale = 100 and coalesce(denominator, 0) < {{ var('engineer_low_n', 10) }} as is_low_n
    from with_targets

)

select * from final
