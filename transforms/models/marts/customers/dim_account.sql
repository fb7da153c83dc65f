with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

engineers as (

    select * from {{ ref('stg_helpdesk__engineers') }}

),

account_months as (

    select * from {{ ref('int_account_months_built') }}

),

last_months as (

    select
        account_id,
        max(month_start) as month_start
    from account_months
    group by account_id

),

latest as (

    select account_months.*
    from account_months
    inner join last_months
        on
            account_months.account_id = last_months.account_id
            and account_months.month_start = last_months.month_start

),

first_active as (

    select
        account_id,
        min(month_start) as first_active_month
    from account_months
    where is_active
    group by account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.industry,
        accounts.segment,
        accounts.region,
        accounts.tam_id,
        tams.full_name as tam_name,
        accounts.created_at,
        coalesce(latest.support_tier, 'free') as support_tier,
        coalesce(latest.is_active, false) as is_active,
        cast(coalesce(latest.mrr_usd, 0) as double) as mrr_usd,
        cast(coalesce(latest.mrr_rub, 0) as double) as mrr_rub,
        first_active.first_active_month
    from accounts
    left join engineers as tams
        on accounts.tam_id = tams.engineer_id
    left join latest
        on accounts.account_id = latest.account_id
    left join first_active
        on accounts.account_id = first_active.account_id

)

select * from final
