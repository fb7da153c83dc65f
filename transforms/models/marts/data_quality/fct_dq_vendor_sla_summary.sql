{#-
    The vendor SLA comparison in numbers, for the data quality page's tile and its
    "disagreements by reason" list: one row for the total (summary_key = 'total': every
    compared pair, the agreeing ones, the agreement rate in percent, its organisation
    target from dim_metric_targets and the status by the one status rule) and one row
    per disagreement reason (summary_key = the reason, pair_count = its disagreeing
    pairs). Without a vendor import the comparison is empty and the total row says
    0 pairs, no rate, status no_data.
-#}
with

comparison as (

    select * from {{ ref('fct_dq_vendor_sla_comparison') }}

),

targets as (

    select * from {{ ref('dim_metric_targets') }}
    where target_scope = 'organisation' and metric = 'vendor_sla_agreement'

),

total as (

    select
        'total' as summary_key,
        true as is_total,
        cast(count(*) as bigint) as pair_count,
        cast(coalesce({{ pulse_count_if('is_agreed') }}, 0) as bigint) as agreed_count
    from comparison

),

by_reason as (

    select
        reason as summary_key,
        false as is_total,
        cast(count(*) as bigint) as pair_count,
        cast(0 as bigint) as agreed_count
    from comparison
    where not is_agreed
    group by reason

),

unioned as (

    select * from total
    union all
    select * from by_reason

),

final as (

    select
        unioned.summary_key,
        unioned.is_total,
        unioned.pair_count,
        unioned.agreed_count,
        case
            when unioned.is_total
                then cast({{ pct('unioned.agreed_count', 'unioned.pair_count') }} as double)
        end as agreement_pct,
        case when unioned.is_total then cast(targets.target as double) end as target_pct,
        case
            when unioned.is_total
                then {{ metric_status(
                    pct('unioned.agreed_count', 'unioned.pair_count'), 'targets.target',
                    'targets.direction', 'targets.amber_band_pct'
                ) }}
        end as status
    from unioned
    left join targets on true

)

select * from final
