with

source as (

    select * from {{ source('helpdesk', 'qa_reviews') }}

),

renamed as (

    select
        cast(review_id as {{ dbt.type_string() }}) as review_id,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        cast(engineer_id as {{ dbt.type_string() }}) as engineer_id,
        cast(reviewed_at as timestamp) as reviewed_at,
        technical_accuracy as technical_accuracy_points,
        communication as communication_points,
        timeliness as timeliness_points,
        process as process_points,
        customer_satisfaction as customer_satisfaction_points,
        technical_accuracy + communication + timeliness + process + customer_satisfaction
            as total_points

    from source

)

select * from renamed
