with

source as (

    select * from {{ source('helpdesk', 'kb_articles') }}

),

renamed as (

    select
        cast(article_id as {{ dbt.type_string() }}) as article_id,
        cast(author_id as {{ dbt.type_string() }}) as author_id,
        cast(published_at as timestamp) as published_at,
        category,
        lower(language) as language,
        lower(status) as status,
        lower(status) = 'published' as is_published

    from source

)

select * from renamed
