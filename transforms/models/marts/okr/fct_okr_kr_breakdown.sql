-- One key result of one quarter or year, seen from one slice of the global filters
-- (slice_tier / slice_segment / slice_region, 'all' where unfiltered), broken down by
-- support tier, segment, region, month and team against target: the rows of the KR
-- breakdown page (/okr/kr/<kr_id>), which reads them as they are.
--   tier / segment / region  fct_okr_progress rows of the period whose other two
--                            dimensions are the slice's (the breakdown's own dimension
--                            varies), so "by tier" within enterprise reads the
--                            enterprise rows of each tier
--   month                    fct_okr_progress month rows of the period for the slice
--   team                     fct_team_periods (the teams page's per-engineer figures,
--                            solver attribution) for the unfiltered slice only: a team
--                            is not split by account segment or region; against the
--                            team's own target, as on the teams page
-- A slice of an additive KR (year-to-date sums, cumulative counts) has no target of its
-- own: the company-wide target says nothing about a part of it (as on the OKR page), so
-- those rows carry no target and status no_data. Status by metric_status; is_low_n as in
-- fct_okr_progress (survey KRs from fewer than var('survey_low_n') responses).

with

progress as (

    select * from {{ ref('fct_okr_progress') }}

),

team_periods as (

    select * from {{ ref('fct_team_periods') }}

),

teams as (

    select * from {{ ref('dim_team') }}

),

-- the periods a breakdown is asked for, with every slice the KR has rows for
slices as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        period_start,
        period_end,
        dim_tier as slice_tier,
        dim_segment as slice_segment,
        dim_region as slice_region,
        unit,
        direction,
        measure,
        amber_band_pct
    from progress
    where period_type in ('quarter', 'year')

),

dimension_rows as (

    {% for dim, others in [
        ('tier', ['segment', 'region']),
        ('segment', ['tier', 'region']),
        ('region', ['tier', 'segment'])
    ] %}
        {% if not loop.first %}union all{% endif %}
        select
            slices.*,
            '{{ dim }}' as breakdown,
            progress.dim_{{ dim }} as breakdown_value,
            progress.period as row_period,
            progress.actual,
            progress.target,
            progress.numerator,
            progress.denominator,
            progress.is_low_n
        from slices
        inner join progress
            on
                slices.kr_id = progress.kr_id
                and slices.fiscal_year = progress.fiscal_year
                and slices.period_type = progress.period_type
                and slices.period = progress.period
                and progress.dim_{{ dim }} != 'all'
                {% for other in others %}
                    and slices.slice_{{ other }} = progress.dim_{{ other }}
                {% endfor %}
    {% endfor %}

),

month_rows as (

    select
        slices.*,
        'month' as breakdown,
        progress.period as breakdown_value,
        progress.period as row_period,
        progress.actual,
        progress.target,
        progress.numerator,
        progress.denominator,
        progress.is_low_n
    from slices
    inner join progress
        on
            slices.kr_id = progress.kr_id
            and slices.fiscal_year = progress.fiscal_year
            and progress.period_type = 'month'
            and progress.period_start between slices.period_start and slices.period_end
            and slices.slice_tier = progress.dim_tier
            and slices.slice_segment = progress.dim_segment
            and slices.slice_region = progress.dim_region

),

-- KRs the teams page measures per engineer, under the teams page's metric name
team_metrics as (

    select
        team_metric_names.kr_id,
        team_metric_names.team_metric
    from (
        values
        ('csat', 'csat'),
        ('fcr', 'fcr'),
        ('escalation_rate', 'escalation_rate'),
        ('first_response_sla', 'response_compliance'),
        ('resolution_sla', 'resolution_compliance'),
        ('kb_articles', 'kb_articles')
    ) as team_metric_names (kr_id, team_metric)

),

-- a year is the sum of its quarters' numerators and denominators, never a mean
team_values as (

    select
        slices.kr_id,
        slices.fiscal_year,
        slices.period_type,
        slices.period,
        team_periods.team_id,
        max(team_periods.unit) as team_unit,
        max(team_periods.direction) as team_direction,
        sum(team_periods.numerator) as numerator,
        sum(team_periods.denominator) as denominator,
        avg(team_periods.target) as team_target
    from slices
    inner join team_metrics
        on slices.kr_id = team_metrics.kr_id
    inner join team_periods
        on
            team_metrics.team_metric = team_periods.metric
            and team_periods.period_kind = 'quarter'
            and team_periods.period_start between slices.period_start and slices.period_end
    where
        slices.slice_tier = 'all'
        and slices.slice_segment = 'all'
        and slices.slice_region = 'all'
    group by
        slices.kr_id, slices.fiscal_year, slices.period_type, slices.period, team_periods.team_id

),

team_rows as (

    select
        slices.*,
        'team' as breakdown,
        coalesce(teams.team_name, team_values.team_id) as breakdown_value,
        slices.period as row_period,
        case
            when team_values.denominator > 0 and team_values.team_unit = 'pct'
                then 100.0 * team_values.numerator / team_values.denominator
            when team_values.denominator > 0
                then team_values.numerator / team_values.denominator
        end as actual,
        team_values.team_target as target,
        team_values.numerator,
        team_values.denominator,
        slices.kr_id in ('nps', 'csat')
        and coalesce(team_values.denominator, 0) < {{ var('survey_low_n', 30) }} as is_low_n
    from slices
    inner join team_values
        on
            slices.kr_id = team_values.kr_id
            and slices.fiscal_year = team_values.fiscal_year
            and slices.period_type = team_values.period_type
            and slices.period = team_values.period
    left join teams
        on team_values.team_id = teams.team_id
    where
        slices.slice_tier = 'all'
        and slices.slice_segment = 'all'
        and slices.slice_region = 'all'

),

unioned as (

    select * from dimension_rows
    union all
    select * from month_rows
    union all
    select * from team_rows

),

targeted as (

    select
        *,
        case
            -- a part of an additive KR has no target of its own
            when
                measure in ('ytd_sum', 'cumulative_count')
                and breakdown in ('tier', 'segment', 'region', 'team')
                then null
            when
                measure in ('ytd_sum', 'cumulative_count')
                and (slice_tier != 'all' or slice_segment != 'all' or slice_region != 'all')
                then null
            else target
        end as row_target
    from unioned

),

final as (

    select
        kr_id,
        fiscal_year,
        period_type,
        period,
        slice_tier,
        slice_segment,
        slice_region,
        breakdown,
        breakdown_value,
        row_period,
        unit,
        direction,
        cast(actual as double) as actual,
        cast(row_target as double) as target,
        {{ metric_status(
            'actual', 'row_target', 'direction', 'coalesce(amber_band_pct, ' ~ amber_band_pct() ~ ')'
        ) }} as status,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        coalesce(is_low_n, false) as is_low_n
    from targeted

)

select * from final
