-- NPS per survey wave, in total and for every combination of support tier, segment
-- and region ('all' where a dimension is not broken down). Groups under `low_n_threshold` responses
-- (30) are flagged.

{% set low_n_threshold = 30 %}

with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

aggregated as (

    {% for active in breakdown_sets() %}
        select
            wave,
            wave_year,
            {{ breakdown_columns(active, 'support_tier', 'segment', 'region') }},
            count(*) as responses,
            sum(case when is_promoter then 1 else 0 end) as promoters,
            sum(case when is_passive then 1 else 0 end) as passives,
            sum(case when is_detractor then 1 else 0 end) as detractors
        from responses
        group by
            wave, wave_year
            {{- breakdown_group_by(active, 'support_tier', 'segment', 'region') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        wave,
        wave_year,
        dim_tier,
        dim_segment,
        dim_region,
        cast(responses as bigint) as responses,
        cast(promoters as bigint) as promoters,
        cast(passives as bigint) as passives,
        cast(detractors as bigint) as detractors,
        cast({{ pct('promoters', 'responses') }} as double) as promoter_pct,
        cast({{ pct('passives', 'responses') }} as double) as passive_pct,
        cast({{ pct('detractors', 'responses') }} as double) as detractor_pct,
        cast({{ pct('promoters - detractors', 'responses') }} as double) as nps,
        responses < {{ low_n_threshold }} as is_low_n
    from aggregated

)

select * from final
