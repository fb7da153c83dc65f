-- One row per team: its lead (the lead most of its active engineers report to, else of
-- all its engineers), its usual support tier and its size.

with

engineers as (

    select * from {{ ref('dim_engineer') }}

),

team_names as (

    select
        team_id,
        max(team_name) as team_name
    from engineers
    group by team_id

),

lead_votes as (

    select
        team_id,
        lead_id,
        row_number() over (
            partition by team_id
            order by sum(case when is_active then 1 else 0 end) desc, count(*) desc, lead_id
        ) as vote_rank
    from engineers
    where lead_id is not null
    group by team_id, lead_id

),

tier_votes as (

    select
        team_id,
        support_tier,
        row_number() over (
            partition by team_id
            order by count(*) desc, support_tier
        ) as vote_rank
    from engineers
    group by team_id, support_tier

),

sizes as (

    select
        team_id,
        count(*) as engineers,
        sum(case when is_active then 1 else 0 end) as active_engineers
    from engineers
    group by team_id

),

final as (

    select
        team_names.team_id,
        team_names.team_name,
        lead_votes.lead_id,
        leads.full_name as lead_name,
        tier_votes.support_tier,
        cast(sizes.engineers as bigint) as engineers,
        cast(sizes.active_engineers as bigint) as active_engineers
    from team_names
    left join lead_votes
        on
            team_names.team_id = lead_votes.team_id
            and lead_votes.vote_rank = 1
    left join engineers as leads
        on lead_votes.lead_id = leads.engineer_id
    left join tier_votes
        on
            team_names.team_id = tier_votes.team_id
            and tier_votes.vote_rank = 1
    left join sizes
        on team_names.team_id = sizes.team_id

)

select * from final
