{{ config(materialized='view') }}
-- Everything an engineer is credited with, one row per ticket-level fact, attributed
-- as DESIGN s5 says: what a ticket's own rows credit (int_ticket_activities_credited:
-- first response and resolution outcomes, solves, escalations, tickets handled), CSAT
-- responses to the engineer assigned when the ticket was last solved, QA reviews to
-- the reviewed engineer, KB articles to their author.
--
-- A view (issue 16 item 3): the ticket part is an incremental table that carries
-- unchanged tickets; writing the whole union as a table on every build cost more
-- than its one reader (fct_engineer_weeks) reading the union.

with

ticket_activities as (

    select * from {{ ref('int_ticket_activities_credited') }}

),

csat as (

    select * from {{ ref('int_csat_responses_attributed') }}

),

qa_reviews as (

    select * from {{ ref('int_qa_reviews_joined') }}

),

kb_articles as (

    select * from {{ ref('int_kb_articles_joined') }}

),

quarter_hours as (

    select * from {{ ref('int_quarter_hours_localized') }}

),

csat_activities as (

    select
        solver_id as engineer_id,
        'csat' as activity,
        ticket_id,
        response_id as source_id,
        responded_at as activity_at,
        is_satisfied as is_met,
        cast(null as boolean) as is_reopened,
        cast(score as double) as score
    from csat

),

qa_activities as (

    select
        engineer_id,
        'qa_review' as activity,
        ticket_id,
        review_id as source_id,
        reviewed_at as activity_at,
        cast(null as boolean) as is_met,
        cast(null as boolean) as is_reopened,
        cast(total_score as double) as score
    from qa_reviews

),

kb_activities as (

    select
        author_id as engineer_id,
        'kb_article' as activity,
        cast(null as {{ dbt.type_string() }}) as ticket_id,
        article_id as source_id,
        published_at as activity_at,
        cast(null as boolean) as is_met,
        cast(null as boolean) as is_reopened,
        cast(null as double) as score
    from kb_articles
    where is_published

),

other_activities as (

    select * from csat_activities
    union all
    select * from qa_activities
    union all
    select * from kb_activities

),

other_activities_dated as (

    select
        other_activities.engineer_id,
        other_activities.activity,
        other_activities.ticket_id,
        other_activities.source_id,
        other_activities.activity_at,
        {{ business_week_of('other_activities.activity_at', 'qh') }} as activity_week,
        other_activities.is_met,
        other_activities.is_reopened,
        other_activities.score
    from other_activities
    {{ business_periods_join('other_activities.activity_at', 'qh') }}
    where
        other_activities.engineer_id is not null
        and other_activities.activity_at is not null
        and other_activities.activity_at <= {{ pulse_as_of() }}

),

final as (

    select
        engineer_id,
        activity,
        ticket_id,
        source_id,
        activity_at,
        activity_week,
        is_met,
        is_reopened,
        score
    from ticket_activities
    union all
    select * from other_activities_dated

)

select * from final
