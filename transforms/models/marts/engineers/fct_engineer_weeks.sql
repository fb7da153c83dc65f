-- One row per engineer and ISO week (business time zone, weeks start on Monday) from the
-- engineer's first week (hire or first activity, never before the ticket extract's first
-- week) to the last (leaving, or the reporting end): every per-engineer metric of DESIGN
-- s4/s5 beside the target of the engineer's tier (engineer_targets seed; TAMs have no
-- targets).

with

engineers as (

    select * from {{ ref('dim_engineer') }}

),

activities as (

    select * from {{ ref('int_engineer_activities_unioned') }}

),

targets as (

    select * from {{ ref('engineer_targets') }}

),

tickets as (

    select * from {{ ref('fct_tickets') }}

),

-- The first week the ticket extract covers. Before it nothing was measured: weeks from
-- an earlier hire date would read as weeks with zero tickets handled.
coverage as (

    select {{ business_week('min(created_at)') }} as first_covered_week
    from tickets

),

-- Where each engineer's weeks start without earlier activity: the hire week, or the
-- extract's first week for an engineer hired before it.
engineer_starts as (

    select
        engineers.engineer_id,
        greatest({{ business_week('engineers.hired_at') }}, coverage.first_covered_week)
            as measured_from_week
    from engineers
    cross join coverage

),

activity_bounds as (

    select
        engineer_id,
        min(activity_week) as first_week,
        max(activity_week) as last_week
    from activities
    group by engineer_id

),

engineer_bounds as (

    select
        engineers.engineer_id,
        -- activity before the extract's first week (a KB article, a QA review: their own
        -- extracts) still starts the engineer's weeks there
        least(
            engineer_starts.measured_from_week,
            coalesce(activity_bounds.first_week, engineer_starts.measured_from_week)
        ) as first_week,
        least(
            greatest(
                coalesce(
                    {{ business_week('engineers.left_at') }},
                    cast({{ dbt.date_trunc('week', reporting_end_date()) }} as date)
                ),
                coalesce(activity_bounds.last_week, {{ business_week('engineers.hired_at') }})
            ),
            cast({{ dbt.date_trunc('week', reporting_end_date()) }} as date)
        ) as last_week
    from engineers
    inner join engineer_starts
        on engineers.engineer_id = engineer_starts.engineer_id
    left join activity_bounds
        on engineers.engineer_id = activity_bounds.engineer_id

),

weeks as (

    {{ week_series('(select min(first_week) from engineer_bounds)', reporting_end_date()) }}

),

engineer_weeks as (

    select
        engineer_bounds.engineer_id,
        weeks.week_start
    from engineer_bounds
    inner join weeks
        on weeks.week_start between engineer_bounds.first_week and engineer_bounds.last_week

),

weekly as (

    select
        engineer_id,
        activity_week as week_start,
        sum(case when activity = 'first_response' and is_met then 1 else 0 end)
            as first_responses_met,
        sum(case when activity = 'first_response' and not is_met then 1 else 0 end)
            as first_responses_breached,
        sum(case when activity = 'resolution' and is_met then 1 else 0 end) as resolutions_met,
        sum(case when activity = 'resolution' and not is_met then 1 else 0 end)
            as resolutions_breached,
        sum(case when activity = 'solved' then 1 else 0 end) as tickets_solved,
        sum(case when activity = 'solved' and is_met then 1 else 0 end) as fcr_tickets,
        sum(case when activity = 'solved' and is_reopened then 1 else 0 end) as reopened_tickets,
        sum(case when activity = 'csat' then 1 else 0 end) as csat_responses,
        sum(case when activity = 'csat' and is_met then 1 else 0 end) as csat_satisfied,
        sum(case when activity = 'csat' then score else 0 end) as csat_score_sum,
        sum(case when activity = 'qa_review' then 1 else 0 end) as qa_reviews,
        sum(case when activity = 'qa_review' then score else 0 end) as qa_score_sum,
        count(distinct case when activity in ('public_comment', 'solved') then ticket_id end)
            as tickets_handled,
        sum(case when activity = 'kb_article' then 1 else 0 end) as kb_articles_published,
        sum(case when activity = 'escalation' then 1 else 0 end) as escalations
    from activities
    group by engineer_id, activity_week

),

joined as (

    select
        engineer_weeks.engineer_id,
        engineer_weeks.week_start,
        engineers.support_tier as engineer_tier,
        engineers.team_id,
        engineers.lead_id,
        coalesce(weekly.first_responses_met, 0) as first_responses_met,
        coalesce(weekly.first_responses_breached, 0) as first_responses_breached,
        coalesce(weekly.resolutions_met, 0) as resolutions_met,
        coalesce(weekly.resolutions_breached, 0) as resolutions_breached,
        coalesce(weekly.tickets_solved, 0) as tickets_solved,
        coalesce(weekly.fcr_tickets, 0) as fcr_tickets,
        coalesce(weekly.reopened_tickets, 0) as reopened_tickets,
        coalesce(weekly.csat_responses, 0) as csat_responses,
        coalesce(weekly.csat_satisfied, 0) as csat_satisfied,
        coalesce(weekly.csat_score_sum, 0) as csat_score_sum,
        coalesce(weekly.qa_reviews, 0) as qa_reviews,
        coalesce(weekly.qa_score_sum, 0) as qa_score_sum,
        coalesce(weekly.tickets_handled, 0) as tickets_handled,
        coalesce(weekly.kb_articles_published, 0) as kb_articles_published,
        coalesce(weekly.escalations, 0) as escalations,
        targets.response_compliance_pct as target_response_compliance_pct,
        targets.resolution_compliance_pct as target_resolution_compliance_pct,
        targets.fcr_pct as target_fcr_pct,
        targets.csat_pct as target_csat_pct,
        targets.qa_score as target_qa_score,
        targets.tickets_handled_min as target_tickets_handled_min,
        targets.tickets_handled_max as target_tickets_handled_max,
        targets.kb_articles_per_quarter as target_kb_articles_per_quarter,
        targets.escalation_rate_max_pct as target_escalation_rate_max_pct
    from engineer_weeks
    inner join engineers
        on engineer_weeks.engineer_id = engineers.engineer_id
    left join weekly
        on
            engineer_weeks.engineer_id = weekly.engineer_id
            and engineer_weeks.week_start = weekly.week_start
    left join targets
        on cast(targets.engineer_tier as {{ dbt.type_string() }}) = engineers.support_tier

),

with_quarter as (

    select
        *,
        sum(kb_articles_published) over (
            partition by engineer_id, {{ dbt.date_trunc('quarter', 'week_start') }}
            order by week_start
            rows between unbounded preceding and current row
        ) as kb_articles_quarter_to_date
    from joined

),

final as (

    select
        engineer_id,
        week_start,
        {{ iso_week_label('week_start') }} as iso_week,
        engineer_tier,
        team_id,
        lead_id,
        cast(first_responses_met as bigint) as first_responses_met,
        cast(first_responses_breached as bigint) as first_responses_breached,
        cast({{ pct(
            'first_responses_met', 'first_responses_met + first_responses_breached'
        ) }} as double) as response_compliance_pct,
        cast(target_response_compliance_pct as double) as target_response_compliance_pct,
        cast(resolutions_met as bigint) as resolutions_met,
        cast(resolutions_breached as bigint) as resolutions_breached,
        cast({{ pct('resolutions_met', 'resolutions_met + resolutions_breached') }} as double)
            as resolution_compliance_pct,
        cast(target_resolution_compliance_pct as double) as target_resolution_compliance_pct,
        cast(tickets_solved as bigint) as tickets_solved,
        cast(fcr_tickets as bigint) as fcr_tickets,
        cast({{ pct('fcr_tickets', 'tickets_solved') }} as double) as fcr_pct,
        cast(target_fcr_pct as double) as target_fcr_pct,
        cast(reopened_tickets as bigint) as reopened_tickets,
        cast({{ pct('reopened_tickets', 'tickets_solved') }} as double) as reopen_rate_pct,
        cast(csat_responses as bigint) as csat_responses,
        cast(csat_satisfied as bigint) as csat_satisfied,
        cast({{ pct('csat_satisfied', 'csat_responses') }} as double) as csat_pct,
        cast({{ ratio('csat_score_sum', 'csat_responses') }} as double) as csat_mean_score,
        cast(target_csat_pct as double) as target_csat_pct,
        cast(qa_reviews as bigint) as qa_reviews,
        cast(qa_score_sum as double) as qa_score_sum,
        cast({{ ratio('qa_score_sum', 'qa_reviews') }} as double) as qa_score,
        cast(target_qa_score as double) as target_qa_score,
        cast(tickets_handled as bigint) as tickets_handled,
        cast(target_tickets_handled_min as double) as target_tickets_handled_min,
        cast(target_tickets_handled_max as double) as target_tickets_handled_max,
        cast(kb_articles_published as bigint) as kb_articles_published,
        cast(kb_articles_quarter_to_date as bigint) as kb_articles_quarter_to_date,
        cast(target_kb_articles_per_quarter as double) as target_kb_articles_per_quarter,
        cast(escalations as bigint) as escalations,
        cast({{ pct('escalations', 'tickets_solved + escalations') }} as double)
            as escalation_rate_pct,
        cast(target_escalation_rate_max_pct as double) as target_escalation_rate_max_pct
    from with_quarter

)

select * from final
