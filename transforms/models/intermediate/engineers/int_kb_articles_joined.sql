with

articles as (

    select * from {{ ref('stg_helpdesk__kb_articles') }}

),

engineers as (

    select * from {{ ref('stg_helpdesk__engineers') }}

),

final as (

    select
        articles.article_id,
        articles.author_id,
        articles.published_at,
        {{ business_date('articles.published_at') }} as published_date,
        {{ business_week('articles.published_at') }} as published_week,
        {{ quarter_label(business_date('articles.published_at')) }} as published_quarter,
        articles.category,
        articles.language,
        articles.status,
        articles.status <> 'draft' and articles.published_at <= {{ pulse_as_of() }} as is_published,
        cast(engineers.support_tier as {{ dbt.type_string() }}) as author_tier,
        engineers.team_id
    from articles
    left join engineers
        on articles.author_id = engineers.engineer_id

)

select * from final
