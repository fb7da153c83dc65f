with

source as (

    select * from {{ source('surveys', 'nps_responses') }}

),

renamed as (

    select
        response_id,
        account_id,
        contact_id,
        responded_at,
        cast(score as integer) as score,
        wave as source_wave,
        reason as reason_text

    from source

)

select * from renamed
