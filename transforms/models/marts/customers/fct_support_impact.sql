-- Accounts with at least one SLA breach beside those without (the customers page's
-- "support impact"), compared like with like. Among the accounts with SLA-tracked
-- outcomes (met or breached, first response or resolution), an account is retained when
-- it is active in the latest month of fct_account_months. A raw comparison mixes
-- accounts that differ: an account with many tickets has more chances to be breached
-- and, being engaged, is likelier to stay. So the accounts are split into strata of
-- support tier (the tier of the account's latest SLA-tracked ticket) x ticket-volume
-- band (its SLA-tracked tickets: 1-4, 5-19, 20-49, 50+), and retention with vs without a
-- breach is compared within each stratum. The row support_tier = volume_band = 'all'
-- holds the raw comparison over all accounts and the pooled like-for-like difference:
-- the mean of the strata's differences with Mantel-Haenszel weights (breached x clean /
-- both, which favours strata balanced between the sides), over the strata with
-- accounts on both sides. A side with fewer than var('impact_low_n', 10)
-- accounts makes the row low n. Still not causal: whatever else differs between the
-- accounts (size, product, contract terms) is not controlled for.

with

outcomes as (

    select * from {{ ref('fct_sla_outcomes') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

account_months as (

    select * from {{ ref('fct_account_months') }}

),

tracked as (

    select
        tickets.account_id,
        tickets.ticket_id,
        tickets.support_tier,
        tickets.created_at,
        max(case when outcomes.outcome = 'breached' then 1 else 0 end) as is_breached
    from outcomes
    inner join tickets
        on outcomes.ticket_id = tickets.ticket_id
    -- the metrics overall SLA compliance counts (next-reply outcomes are per comment)
    where
        outcomes.outcome in ('met', 'breached')
        and outcomes.metric in ('first_response', 'resolution')
    group by tickets.account_id, tickets.ticket_id, tickets.support_tier, tickets.created_at

),

latest_tier as (

    select
        account_id,
        support_tier,
        row_number() over (
            partition by account_id order by created_at desc, ticket_id desc
        ) as recency
    from tracked

),

active_now as (

    select
        account_id,
        max(case when is_active then 1 else 0 end) = 1 as is_active
    from account_months
    where month_start = (select max(latest.month_start) from account_months as latest)
    group by account_id

),

accounts as (

    select
        tracked.account_id,
        max(tracked.is_breached) = 1 as had_breach,
        count(*) as tracked_tickets
    from tracked
    group by tracked.account_id

),

account_strata as (

    select
        accounts.account_id,
        accounts.had_breach,
        latest_tier.support_tier,
        case
            when accounts.tracked_tickets >= 50 then '50+'
            when accounts.tracked_tickets >= 20 then '20-49'
            when accounts.tracked_tickets >= 5 then '5-19'
            else '1-4'
        end as volume_band,
        case when coalesce(active_now.is_active, false) then 1 else 0 end as is_retained
    from accounts
    inner join latest_tier
        on
            accounts.account_id = latest_tier.account_id
            and latest_tier.recency = 1
    left join active_now
        on accounts.account_id = active_now.account_id

),

strata as (

    select
        support_tier,
        volume_band,
        sum(case when had_breach then 1 else 0 end) as breached_accounts,
        sum(case when had_breach then is_retained else 0 end) as breached_retained,
        sum(case when had_breach then 0 else 1 end) as clean_accounts,
        sum(case when had_breach then 0 else is_retained end) as clean_retained
    from account_strata
    group by support_tier, volume_band

),

strata_compared as (

    select
        *,
        {{ pct('breached_retained', 'breached_accounts') }}
        - {{ pct('clean_retained', 'clean_accounts') }} as retained_diff_pts,
        case
            when breached_accounts > 0 and clean_accounts > 0
                then breached_accounts + clean_accounts
            else 0
        end as compared_accounts,
        -- Mantel-Haenszel weight: a stratum of 121 breached accounts against 1 clean one
        -- says little about the difference (weight about 1), 22 against 20 much more
        -- (about 10.5); null for a one-sided stratum, so it drops out of the pooling.
        case
            when breached_accounts > 0 and clean_accounts > 0
                then
                    1.0 * breached_accounts * clean_accounts
                    / (breached_accounts + clean_accounts)
        end as mh_weight
    from strata

),

pooled as (

    select
        'all' as support_tier,
        'all' as volume_band,
        sum(breached_accounts) as breached_accounts,
        sum(breached_retained) as breached_retained,
        sum(clean_accounts) as clean_accounts,
        sum(clean_retained) as clean_retained,
        sum(case when compared_accounts > 0 then breached_accounts else 0 end)
            as compared_breached,
        sum(case when compared_accounts > 0 then clean_accounts else 0 end)
            as compared_clean,
        sum(compared_accounts) as compared_accounts,
        {{ ratio(
            'sum(retained_diff_pts * mh_weight)', 'sum(mh_weight)'
        ) }} as like_for_like_diff_pts
    from strata_compared

),

rows_ as (

    select
        support_tier,
        volume_band,
        breached_accounts,
        breached_retained,
        clean_accounts,
        clean_retained,
        compared_accounts,
        retained_diff_pts as like_for_like_diff_pts,
        breached_accounts < {{ var('impact_low_n', 10) }}
        or clean_accounts < {{ var('impact_low_n', 10) }} as is_low_n
    from strata_compared

    union all

    select
        support_tier,
        volume_band,
        breached_accounts,
        breached_retained,
        clean_accounts,
        clean_retained,
        compared_accounts,
        like_for_like_diff_pts,
        compared_breached < {{ var('impact_low_n', 10) }}
        or compared_clean < {{ var('impact_low_n', 10) }} as is_low_n
    from pooled

),

final as (

    select
        cast(support_tier as {{ dbt.type_string() }}) as support_tier,
        cast(volume_band as {{ dbt.type_string() }}) as volume_band,
        cast(breached_accounts as bigint) as breached_accounts,
        cast(breached_retained as bigint) as breached_retained,
        cast({{ pct('breached_retained', 'breached_accounts') }} as double)
            as breached_retained_pct,
        cast(clean_accounts as bigint) as clean_accounts,
        cast(clean_retained as bigint) as clean_retained,
        cast({{ pct('clean_retained', 'clean_accounts') }} as double) as clean_retained_pct,
        cast(
            {{ pct('breached_retained', 'breached_accounts') }}
            - {{ pct('clean_retained', 'clean_accounts') }} as double
        ) as raw_diff_pts,
        cast(like_for_like_diff_pts as double) as like_for_like_diff_pts,
        cast(compared_accounts as bigint) as compared_accounts,
        cast(is_low_n as boolean) as is_low_n
    from rows_

)

select * from final
