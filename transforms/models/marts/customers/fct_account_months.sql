with

account_months as (

    select * from {{ ref('int_account_months_built') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        account_months.account_id,
        account_months.month_start,
        {{ month_label('account_months.month_start') }} as month,
        account_months.snapshot_date,
        account_months.is_active,
        account_months.active_contracts,
        cast(account_months.mrr_usd as double) as mrr_usd,
        cast(account_months.mrr_rub as double) as mrr_rub,
        account_months.support_tier,
        accounts.segment,
        accounts.region
    from account_months
    left join accounts
        on account_months.account_id = accounts.account_id

)

select * from final
