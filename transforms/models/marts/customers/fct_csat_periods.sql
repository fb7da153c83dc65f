-- CSAT per period (month, quarter, year of the response's business date) and support
-- tier, with an 'all' row: responses, satisfied (4-5, or a 'good' rating), CSAT share
-- and mean score (1-5 scores only). A tier's rows take the tier's CSAT target
-- (tier_targets); the all-tier rows the fiscal year's CSAT key result for the period;
-- target_source says which; status by metric_status, low n under
-- var('survey_low_n', 30) responses. Same months and counts as the CSAT key result.

{%- set breakdowns = [
    ('month', false), ('month', true), ('quarter', false), ('quarter', true),
    ('year', false), ('year', true)
] %}

with

responses as (

    select * from {{ ref('fct_csat_responses') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}

),

in_periods as (

    {% for kind, all_tiers in breakdowns %}
        {% if not loop.first %}union all{% endif %}
        select
            '{{ kind }}' as period_kind,
            cast({{ dbt.date_trunc(kind, 'responded_month') }} as date) as period_start,
            {{ "'all'" if all_tiers else "coalesce(support_tier, 'unknown')" }} as support_tier,
            is_satisfied,
            score
        from responses
        where responded_month <= {{ reporting_end_date() }}
    {% endfor %}

),

per_period as (

    select
        period_kind,
        period_start,
        support_tier,
        count(*) as responses,
        sum(case when is_satisfied then 1 else 0 end) as satisfied,
        avg(score) as mean_score
    from in_periods
    group by period_kind, period_start, support_tier

),

labelled as (

    select
        per_period.*,
        {{ period_label_of('per_period.period_kind', 'per_period.period_start') }} as period_label,
        {{ period_end_of('per_period.period_kind', 'per_period.period_start') }} as period_end,
        {{ year_of('per_period.period_start') }} as fiscal_year
    from per_period

),

with_targets as (

    select
        labelled.*,
        case
            when labelled.support_tier = 'all' then okr_targets.target
            else tier_targets.target
        end as target_pct,
        case
            when labelled.support_tier = 'all' then okr_targets.amber_band_pct
            else tier_targets.amber_band_pct
        end as amber_band_pct,
        case
            when labelled.support_tier = 'all' and okr_targets.target is not null then 'okr'
            when labelled.support_tier <> 'all' and tier_targets.target is not null
                then 'support_tier'
        end as target_source
    from labelled
    left join targets as tier_targets
        on
            tier_targets.target_scope = 'support_tier'
            and labelled.support_tier = tier_targets.subject
            and tier_targets.metric = 'csat'
    left join targets as okr_targets
        on
            okr_targets.target_scope = 'okr'
            and okr_targets.metric = 'csat'
            and labelled.fiscal_year = okr_targets.fiscal_year
            and labelled.period_kind = okr_targets.period_type
            and labelled.period_label = okr_targets.period

),

final as (

    select
        {{ dbt.concat([
            'period_kind', "'|'", 'period_label', "'|'", 'support_tier'
        ]) }} as csat_period_key,
        period_kind,
        period_label,
        period_start,
        period_end,
        period_end >= {{ reporting_end_date() }} as is_partial,
        support_tier,
        cast(responses as bigint) as responses,
        cast(satisfied as bigint) as satisfied,
        cast({{ pct('satisfied', 'responses') }} as double) as csat_pct,
        cast(mean_score as double) as mean_score,
        cast(target_pct as double) as target_pct,
        target_source,
        {{ metric_status(
            pct('satisfied', 'responses'), 'target_pct', "'higher'", 'amber_band_pct'
        ) }} as status,
        responses < {{ var('survey_low_n', 30) }} as is_low_n
    from with_targets

)

select * from final
