-- One row per NPS response, with its wave (the extract's, else the quarter of the
-- response in the business time zone) and the account's support tier, segment and
-- region on the response date.

with

responses as (

    select * from {{ ref('stg_surveys__nps_responses') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contracts as (

    select * from {{ ref('stg_crm__contracts') }}

),

dated as (

    select
        *,
        {{ business_date('responded_at') }} as responded_date,
        coalesce(source_wave, {{ quarter_label(business_date('responded_at')) }}) as wave
    from responses

),

plans_ranked as (

    select
        dated.response_id,
        contracts.support_tier,
        row_number() over (
            partition by dated.response_id
            order by contracts.start_date desc, contracts.contract_id desc
        ) as plan_rank
    from dated
    inner join contracts
        on
            dated.account_id = contracts.account_id
            and contracts.product = 'support_plan'
            and contracts.support_tier is not null
            and dated.responded_date >= contracts.start_date
            and (contracts.end_date is null or dated.responded_date <= contracts.end_date)

),

final as (

    select
        dated.response_id,
        dated.account_id,
        dated.contact_id,
        dated.responded_at,
        dated.responded_date,
        dated.wave,
        cast(substring(dated.wave, 1, 4) as integer) as wave_year,
        dated.score,
        case
            when dated.score >= 9 then 'promoter'
            when dated.score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
        dated.score >= 9 as is_promoter,
        dated.score between 7 and 8 as is_passive,
        dated.score <= 6 as is_detractor,
        case
            when dated.score >= 9 then 100
            when dated.score <= 6 then -100
            else 0
        end as nps_points,
        coalesce(plans_ranked.support_tier, 'free') as support_tier,
        accounts.segment,
        accounts.region,
        dated.reason_text
    from dated
    left join plans_ranked
        on
            dated.response_id = plans_ranked.response_id
            and plans_ranked.plan_rank = 1
    left join accounts
        on dated.account_id = accounts.account_id

)

select * from final
