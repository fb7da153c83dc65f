with

engineers as (

    select * from {{ ref('stg_helpdesk__engineers') }}

),

final as (

    select
        engineers.engineer_id,
        engineers.full_name,
        engineers.email,
        engineers.team_id,
        engineers.team_name,
        cast(engineers.support_tier as {{ dbt.type_string() }}) as support_tier,
        engineers.lead_id,
        leads.full_name as lead_name,
        engineers.hired_at,
        engineers.left_at,
        engineers.location,
        (
            engineers.hired_at <= {{ pulse_as_of() }}
            and (engineers.left_at is null or engineers.left_at > {{ pulse_as_of() }})
        ) as is_active
    from engineers
    left join engineers as leads
        on engineers.lead_id = leads.engineer_id

)

select * from final
