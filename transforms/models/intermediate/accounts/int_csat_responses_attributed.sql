with

responses as (

    select * from {{ ref('stg_surveys__csat_responses') }}

),

tickets as (

    select * from {{ ref('int_tickets_summarised') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

final as (

    select
        responses.response_id,
        responses.ticket_id,
        responses.responded_at,
        {{ business_date('responses.responded_at') }} as responded_date,
        {{ business_month('responses.responded_at') }} as responded_month,
        {{ quarter_label(business_date('responses.responded_at')) }} as responded_quarter,
        responses.score,
        responses.rating,
        responses.score is null as is_binary_rating,
        -- a binary rating counts in CSAT as it is (good = satisfied) and never gets an
        -- invented 1-5 score, so the mean score (avg of score) ignores it
        coalesce(responses.score >= 4, responses.rating = 'good') as is_satisfied,
        responses.comment_text,
        tickets.account_id,
        coalesce(tickets.support_tier, 'unknown') as support_tier,
        tickets.priority,
        tickets.product_area,
        tickets.channel,
        tickets.team_id,
        tickets.solver_id,
        accounts.segment,
        accounts.region,
        tickets.ticket_id is not null as has_known_ticket
    from responses
    left join tickets
        on responses.ticket_id = tickets.ticket_id
    left join accounts
        on tickets.account_id = accounts.account_id

)

select * from final
