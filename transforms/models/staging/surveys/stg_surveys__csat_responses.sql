with

source as (

    select * from {{ source('surveys', 'csat_responses') }}

),

renamed as (

    select
        response_id,
        ticket_id,
        responded_at,
        cast(score as integer) as score,
        lower(rating) as rating,
        comment as comment_text

    from source

)

select * from renamed
