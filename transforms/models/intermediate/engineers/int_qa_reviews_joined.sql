with

reviews as (

    select * from {{ ref('stg_helpdesk__qa_reviews') }}

),

engineers as (

    select * from {{ ref('stg_helpdesk__engineers') }}

),

final as (

    select
        reviews.review_id,
        reviews.ticket_id,
        reviews.engineer_id,
        reviews.reviewed_at,
        {{ business_week('reviews.reviewed_at') }} as reviewed_week,
        cast(reviews.technical_accuracy_points as integer) as technical_accuracy,
        cast(reviews.communication_points as integer) as communication,
        cast(reviews.timeliness_points as integer) as timeliness,
        cast(reviews.process_points as integer) as process,
        cast(reviews.customer_satisfaction_points as integer) as customer_satisfaction,
        cast(reviews.total_points as integer) as total_score,
        cast(engineers.support_tier as {{ dbt.type_string() }}) as engineer_tier,
        engineers.team_id
    from reviews
    left join engineers
        on reviews.engineer_id = engineers.engineer_id

)

select * from final
