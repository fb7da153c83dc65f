{#-
    Equal-work lower bound for the SLA models (issue 16 item 1): one hand-written DuckDB
    statement that computes exactly the live rows of fct_sla_outcomes - the three
    metrics (first_response, resolution, next_reply per instance), calendar and business
    clocks with each schedule's hours and holidays, the tier at creation, the priority
    in force at completion, the versioned policy, pauses, due times and outcomes.
    tests/test_sla_lower_bound.py proves it equals fct_sla_outcomes row for row; `make
    bench` times it against the dbt execution time of fct_sla_outcomes and the SLA
    models it depends on.

    What it reads: the same staging views and seeds as the models, and the two
    ticket-independent calendar tables (int_calendar_days, int_business_windows: one
    row per schedule and day or window, built by the calendar models, which the bench
    does not count on the dbt side either). What it saves: nothing is materialised
    between steps and the event log is scanned once (statuses, comments, priority and
    assignment changes in one filtered read). The rules are the models' rules, written
    again here on purpose: a change to a rule that is not made here too fails the
    equality test, which is what keeps this bound honest. It computes the live policy
    only (the models also compute the what-if draft rows in the same tables).
-#}
with

tickets as (

    select
        ticket_id,
        account_id,
        assignee_id,
        group_name,
        priority,
        is_proactive,
        created_at
    from {{ ref('stg_helpdesk__tickets') }}

),

-- one read of the event log: every event any SLA rule looks at, up to as_of
events as (

    select
        ticket_id,
        event_id,
        event_type,
        event_at,
        actor_id,
        actor_role,
        is_public,
        lower(from_value) as from_value,
        to_value
    from {{ ref('stg_helpdesk__ticket_events') }}
    where
        event_at <= {{ pulse_as_of() }}
        and event_type in ('created', 'status_changed', 'comment', 'priority_changed', 'assigned')

),

intervals as (

    select
        ticket_id,
        row_number() over timeline as interval_number,
        event_id as opened_by_event_id,
        actor_id as opened_by_actor_id,
        actor_role as opened_by_actor_role,
        status,
        event_at as started_at,
        lead(event_at) over timeline as ended_at,
        status in ('new', 'open', 'on_hold') as is_clock_running,
        status in ('solved', 'closed') as is_done,
        status in ('solved', 'closed')
        and coalesce(lag(status) over timeline not in ('solved', 'closed'), true)
            as is_resolution
    from (
        select
            *,
            case when event_type = 'created' then 0 else 1 end as event_rank,
            case when event_type = 'created' then 'new' else lower(to_value) end as status
        from events
        where event_type in ('created', 'status_changed')
    )
    window timeline as (partition by ticket_id order by event_at, event_rank, event_id)

),

milestones as (

    select
        ticket_id,
        arg_max(is_done, interval_number) as is_done_now,
        min(started_at) filter (where is_resolution) as first_solved_at,
        arg_min(opened_by_event_id, interval_number) filter (where is_resolution)
            as first_solve_event_id,
        arg_min(opened_by_actor_id, interval_number) filter (where is_resolution)
            as first_solve_actor_id,
        arg_min(opened_by_actor_role, interval_number) filter (where is_resolution)
            as first_solve_actor_role,
        max(started_at) filter (where is_resolution) as last_solved_at,
        arg_max(opened_by_event_id, interval_number) filter (where is_resolution)
            as last_solve_event_id,
        arg_max(opened_by_actor_id, interval_number) filter (where is_resolution)
            as last_solve_actor_id,
        arg_max(opened_by_actor_role, interval_number) filter (where is_resolution)
            as last_solve_actor_role,
        min(started_at) as first_status_at
    from intervals
    group by ticket_id

),

-- per ticket: how it was created, its first public agent comment, its priority log
event_summaries as (

    select
        ticket_id,
        arg_min(actor_role, event_at) filter (where event_type = 'created') as created_by_role,
        min(event_at) filter (where is_public_agent_comment) as first_agent_comment_at,
        arg_min(event_id, (event_at, event_id)) filter (where is_public_agent_comment)
            as first_agent_comment_event_id,
        arg_min(actor_id, (event_at, event_id)) filter (where is_public_agent_comment)
            as first_agent_comment_actor_id,
        arg_min(from_value, (event_at, event_id)) filter (where event_type = 'priority_changed')
            as initial_priority,
        arg_max(lower(to_value), (event_at, event_id))
            filter (where event_type = 'priority_changed') as latest_priority
    from (
        select
            *,
            event_type = 'comment' and is_public and actor_role = 'agent'
                as is_public_agent_comment
        from events
    )
    group by ticket_id

),

ticket_states as (

    select
        tickets.*,
        milestones.first_status_at,
        case when milestones.is_done_now then milestones.last_solved_at end as resolved_at,
        case when milestones.is_done_now then milestones.last_solve_event_id end
            as resolution_event_id,
        case when milestones.is_done_now then milestones.last_solve_actor_id end
            as resolved_by_actor_id,
        case when milestones.is_done_now then milestones.last_solve_actor_role end
            as resolved_by_actor_role,
        tickets.is_proactive or coalesce(summaries.created_by_role = 'agent', false)
            as is_proactive_now,
        summaries.initial_priority,
        summaries.latest_priority,
        case
            when
                summaries.first_agent_comment_at is not null
                and (
                    milestones.first_solved_at is null
                    or summaries.first_agent_comment_at <= milestones.first_solved_at
                )
                then 'comment'
            when milestones.first_solved_at is not null then 'solve'
        end as first_response_kind,
        summaries.first_agent_comment_at,
        summaries.first_agent_comment_event_id,
        summaries.first_agent_comment_actor_id,
        milestones.first_solved_at,
        milestones.first_solve_event_id,
        milestones.first_solve_actor_id,
        milestones.first_solve_actor_role
    from tickets
    left join milestones on tickets.ticket_id = milestones.ticket_id
    left join event_summaries as summaries on tickets.ticket_id = summaries.ticket_id

),

responses as (

    select
        *,
        case
            when first_response_kind = 'comment' then first_agent_comment_at
            else first_solved_at
        end as first_response_at,
        case
            when first_response_kind = 'comment' then first_agent_comment_event_id
            else first_solve_event_id
        end as first_response_event_id,
        case
            when first_response_kind = 'comment' then first_agent_comment_actor_id
            when first_solve_actor_role = 'agent' then first_solve_actor_id
        end as first_responder_id
    from ticket_states

),

changes as (

    select
        ticket_id,
        event_id,
        event_at,
        event_type,
        case when event_type = 'assigned' then coalesce(to_value, actor_id) else lower(to_value) end
            as to_value
    from events
    where event_type in ('priority_changed', 'assigned')

),

-- the priority and assignee in force at each completion (ties at one instant by event_id)
states_at_points as (

    select
        points.ticket_id,
        points.metric,
        arg_max(changes.to_value, (changes.event_at, changes.event_id))
            filter (where changes.event_type = 'priority_changed') as priority,
        arg_max(changes.to_value, (changes.event_at, changes.event_id))
            filter (where changes.event_type = 'assigned') as assignee_id
    from (
        select
            ticket_id,
            'first_response' as metric,
            first_response_at as point_at,
            first_response_event_id as point_event_id
        from responses
        where first_response_at is not null
        union all
        select
            ticket_id,
            'resolution' as metric,
            resolved_at as point_at,
            resolution_event_id as point_event_id
        from responses
        where resolved_at is not null
    ) as points
    inner join changes
        on
            points.ticket_id = changes.ticket_id
            and (
                points.point_at > changes.event_at
                or (points.point_at = changes.event_at and points.point_event_id >= changes.event_id)
            )
    group by points.ticket_id, points.metric

),

completion as (

    select
        responses.*,
        coalesce(responses.latest_priority, responses.priority) as current_priority,
        coalesce(
            fr_state.priority,
            responses.initial_priority,
            responses.latest_priority,
            responses.priority
        ) as priority_at_first_response,
        coalesce(
            res_state.priority,
            responses.initial_priority,
            responses.latest_priority,
            responses.priority
        ) as priority_at_resolution,
        case
            when responses.resolved_at is not null then
                coalesce(
                    res_state.assignee_id,
                    case
                        when responses.resolved_by_actor_role = 'agent'
                            then responses.resolved_by_actor_id
                    end,
                    responses.assignee_id
                )
        end as solver_id
    from responses
    left join states_at_points as fr_state
        on responses.ticket_id = fr_state.ticket_id and fr_state.metric = 'first_response'
    left join states_at_points as res_state
        on responses.ticket_id = res_state.ticket_id and res_state.metric = 'resolution'

),

-- next reply: customer comments waiting for an answer (agent public comment or solve)
status_spans as (

    select
        ticket_id,
        status,
        started_at,
        coalesce(ended_at, cast('9999-12-31 00:00:00' as timestamp)) as ended_at
    from intervals

),

turns as (

    select
        comments.ticket_id,
        comments.event_id,
        comments.event_at,
        'customer' as turn,
        cast(null as varchar) as engineer_id
    from events as comments
    asof left join status_spans as status_at
        on comments.ticket_id = status_at.ticket_id and comments.event_at >= status_at.started_at
    where
        comments.event_type = 'comment' and comments.is_public
        and comments.actor_role = 'customer'
        and coalesce(status_at.status not in ('solved', 'closed'), true)
    union all
    select
        ticket_id,
        event_id,
        event_at,
        'answer' as turn,
        actor_id as engineer_id
    from events
    where event_type = 'comment' and is_public and actor_role = 'agent'
    union all
    select
        ticket_id,
        opened_by_event_id as event_id,
        started_at as event_at,
        'answer' as turn,
        cast(null as varchar) as engineer_id
    from intervals
    where is_resolution

),

sequenced as (

    select
        *,
        lag(turn) over ticket_turns as previous_turn,
        sum(case when turn = 'answer' then 1 else 0 end) over (
            ticket_turns rows between unbounded preceding and current row
        ) as answers_so_far
    from turns
    window ticket_turns as (partition by ticket_id order by event_at, event_id)

),

priority_changes as (

    select
        ticket_id,
        event_at,
        lower(to_value) as to_value,
        coalesce(
            lead(event_at) over (partition by ticket_id order by event_at, event_id),
            cast('9999-12-31 00:00:00' as timestamp)
        ) as next_change_at
    from events
    where event_type = 'priority_changed'

),

reply_instances as (

    select
        answered.ticket_id,
        answered.instance,
        answered.started_at,
        answered.completed_at,
        answered.engineer_id,
        case
            when answered.completed_at is null
                then coalesce(completion.current_priority, completion.priority)
            else coalesce(change_at.to_value, completion.initial_priority, completion.priority)
        end as priority
    from (
        select
            waiting.ticket_id,
            cast(row_number() over (
                partition by waiting.ticket_id order by waiting.event_at, waiting.event_id
            ) as integer) as instance,
            waiting.event_at as started_at,
            answers.event_at as completed_at,
            answers.engineer_id
        from sequenced as waiting
        left join sequenced as answers
            on
                waiting.ticket_id = answers.ticket_id
                and answers.turn = 'answer'
                and waiting.answers_so_far + 1 = answers.answers_so_far
        where waiting.turn = 'customer' and waiting.previous_turn = 'answer'
    ) as answered
    inner join completion on answered.ticket_id = completion.ticket_id
    asof left join priority_changes as change_at
        on
            answered.ticket_id = change_at.ticket_id
            and answered.completed_at >= change_at.event_at
    where completion.created_at <= {{ pulse_as_of() }}

),

reference_days as (

    select
        date_day,
        day_start_at,
        next_day_start_at
    from {{ ref('int_calendar_days') }}
    where schedule_id = '{{ var("reference_schedule_id") }}'

),

-- tier at creation: the support-plan contract active on the Moscow date of creation
dated as (

    select
        completion.*,
        case
            when completion.created_at < reference_days.next_day_start_at
                then reference_days.date_day
            else {{ business_date('completion.created_at') }}
        end as created_date_local
    from completion
    asof left join reference_days
        on completion.created_at >= reference_days.day_start_at
    where completion.created_at <= {{ pulse_as_of() }}

),

tiered as (

    select
        dated.*,
        coalesce(
            (
                select arg_max(contracts.support_tier, (contracts.start_date, contracts.contract_id))
                from {{ ref('stg_crm__contracts') }} as contracts
                where
                    contracts.is_support_plan
                    and contracts.account_id = dated.account_id
                    and dated.created_date_local >= contracts.start_date
                    and (
                        contracts.end_date is null
                        or dated.created_date_local <= contracts.end_date
                    )
            ),
            'free'
        ) as support_tier,
        accounts.region
    from dated
    left join {{ ref('stg_crm__accounts') }} as accounts on dated.account_id = accounts.account_id

),

-- one row per ticket, metric and instance (next reply), before the policy join
metrics as (

    select
        ticket_id,
        'first_response' as metric,
        0 as instance,
        support_tier,
        created_date_local,
        region,
        group_name,
        case
            when first_response_at is not null then priority_at_first_response
            else current_priority
        end as priority,
        created_at as started_at,
        first_response_at as completed_at,
        first_responder_id as engineer_id
    from tiered
    where not is_proactive_now
    union all
    select
        ticket_id,
        'resolution' as metric,
        0 as instance,
        support_tier,
        created_date_local,
        region,
        group_name,
        case when resolved_at is not null then priority_at_resolution else current_priority end
            as priority,
        created_at as started_at,
        resolved_at as completed_at,
        solver_id as engineer_id
    from tiered
    union all
    select
        tiered.ticket_id,
        'next_reply' as metric,
        reply_instances.instance,
        tiered.support_tier,
        tiered.created_date_local,
        tiered.region,
        tiered.group_name,
        reply_instances.priority,
        reply_instances.started_at,
        reply_instances.completed_at,
        reply_instances.engineer_id
    from tiered
    inner join reply_instances on tiered.ticket_id = reply_instances.ticket_id

),

schedule_choice as (

    select
        keys.support_tier,
        keys.priority,
        keys.region,
        keys.group_name,
        arg_min(rules.schedule_id, rules.rule_order) as schedule_id
    from (select distinct support_tier, priority, region, group_name from metrics) as keys
    inner join {{ ref('business_schedule_rules') }} as rules
        on
            (rules.support_tier is null or keys.support_tier = rules.support_tier)
            and (rules.priority is null or keys.priority = rules.priority)
            and (rules.region is null or keys.region = rules.region)
            and (rules.group_name is null or keys.group_name = rules.group_name)
    group by all

),

targets as (

    select
        metrics.ticket_id,
        metrics.metric,
        metrics.instance,
        metrics.support_tier,
        metrics.priority,
        policies.clock,
        policies.target_minutes,
        policies.target_minutes * 60 as target_seconds,
        metrics.started_at,
        metrics.completed_at,
        metrics.completed_at is not null as is_completed,
        metrics.engineer_id,
        coalesce(schedule_choice.schedule_id, '{{ var("reference_schedule_id") }}')
            as schedule_id,
        policies.valid_from as policy_valid_from
    from metrics
    inner join {{ ref('sla_policies') }} as policies
        on
            metrics.support_tier = policies.support_tier
            and metrics.priority = policies.priority
            and metrics.metric = policies.metric
            and metrics.created_date_local >= policies.valid_from
            and (policies.valid_to is null or metrics.created_date_local < policies.valid_to)
    left join schedule_choice
        on
            metrics.support_tier = schedule_choice.support_tier
            and metrics.priority = schedule_choice.priority
            and metrics.region is not distinct from schedule_choice.region
            and metrics.group_name is not distinct from schedule_choice.group_name

),

-- running stretches: first response and next reply one each, resolution per status period
segments as (

    select
        ticket_id,
        'first_response' as metric,
        0 as instance,
        0 as segment_number,
        created_at as segment_start_at,
        case when first_response_at < created_at then created_at else first_response_at end
            as segment_end_at
    from tiered
    union all
    select
        ticket_id,
        'resolution' as metric,
        0 as instance,
        0 as segment_number,
        created_at as segment_start_at,
        first_status_at as segment_end_at
    from tiered
    where first_status_at is null or first_status_at > created_at
    union all
    select
        intervals.ticket_id,
        'resolution' as metric,
        0 as instance,
        intervals.interval_number as segment_number,
        case
            when intervals.started_at < tiered.created_at then tiered.created_at
            else intervals.started_at
        end as segment_start_at,
        intervals.ended_at as segment_end_at
    from intervals
    inner join tiered on intervals.ticket_id = tiered.ticket_id
    where
        intervals.is_clock_running
        and (intervals.ended_at is null or intervals.ended_at > tiered.created_at)
    union all
    select
        ticket_id,
        'next_reply' as metric,
        instance,
        0 as segment_number,
        started_at as segment_start_at,
        completed_at as segment_end_at
    from reply_instances

),

calendar_days as (

    select * from {{ ref('int_calendar_days') }}

),

as_of_position as (

    select
        schedule_id,
        {{ pulse_business_position(pulse_as_of(), 'calendar_days') }} as business_position
    from calendar_days
    where
        {{ pulse_as_of() }} >= day_start_at
        and {{ pulse_as_of() }} < next_day_start_at

),

-- positions on the metric's clock: epoch seconds (calendar) or business seconds
positioned as (

    select
        targets.ticket_id,
        targets.metric,
        targets.instance,
        targets.target_seconds,
        segments.segment_number,
        segments.segment_end_at is null as is_running,
        case
            when targets.clock = 'calendar' then epoch(segments.segment_start_at)
            else {{ pulse_business_position('segments.segment_start_at', 'start_day') }}
        end as start_position,
        case
            when targets.clock = 'calendar'
                then epoch(coalesce(segments.segment_end_at, {{ pulse_as_of() }}))
            when segments.segment_end_at is null then as_of_position.business_position
            else {{ pulse_business_position('segments.segment_end_at', 'end_day') }}
        end as end_position
    from targets
    inner join segments
        on
            targets.ticket_id = segments.ticket_id
            and targets.metric = segments.metric
            and targets.instance = segments.instance
    left join as_of_position on targets.schedule_id = as_of_position.schedule_id
    asof left join calendar_days as start_day
        on
            targets.schedule_id = start_day.schedule_id
            and segments.segment_start_at >= start_day.day_start_at
    asof left join calendar_days as end_day
        on
            targets.schedule_id = end_day.schedule_id
            and segments.segment_end_at >= end_day.day_start_at
    where
        -- a business clock counts only on the schedules the calendar covers at as_of
        (targets.clock = 'calendar' or as_of_position.schedule_id is not null)
        and (
            segments.segment_end_at is null
            or segments.segment_end_at > segments.segment_start_at
            or (
                segments.metric in ('first_response', 'next_reply')
                and segments.segment_end_at = segments.segment_start_at
            )
        )

),

accumulated as (

    select
        *,
        greatest(end_position - start_position, 0) as segment_seconds,
        coalesce(sum(greatest(end_position - start_position, 0)) over (
            partition by ticket_id, metric, instance order by segment_number
            rows between unbounded preceding and 1 preceding
        ), 0) as seconds_before
    from positioned

),

per_metric as (

    select
        ticket_id,
        metric,
        instance,
        sum(segment_seconds) as elapsed_seconds,
        bool_or(is_running) as is_running,
        min(start_position + target_seconds - seconds_before) filter (
            where
                seconds_before < target_seconds
                and seconds_before + segment_seconds >= target_seconds
        ) as crossing_position
    from accumulated
    group by ticket_id, metric, instance

),

due_positions as (

    select
        targets.*,
        coalesce(per_metric.elapsed_seconds, 0) as elapsed_seconds,
        not targets.is_completed and not coalesce(per_metric.is_running, false) as is_paused,
        coalesce(
            per_metric.crossing_position,
            case
                when targets.is_completed and targets.clock = 'calendar'
                    then epoch(targets.completed_at)
                when targets.is_completed
                    then {{ pulse_business_position('targets.completed_at', 'completed_day') }}
                when per_metric.is_running and targets.clock = 'calendar'
                    then epoch({{ pulse_as_of() }})
                when per_metric.is_running then as_of_position.business_position
            end + targets.target_seconds - coalesce(per_metric.elapsed_seconds, 0)
        ) as due_position
    from targets
    left join as_of_position on targets.schedule_id = as_of_position.schedule_id
    left join per_metric
        on
            targets.ticket_id = per_metric.ticket_id
            and targets.metric = per_metric.metric
            and targets.instance = per_metric.instance
    asof left join calendar_days as completed_day
        on
            targets.schedule_id = completed_day.schedule_id
            and targets.completed_at >= completed_day.day_start_at
    where targets.clock = 'calendar' or as_of_position.schedule_id is not null

),

clocked as (

    select
        due_positions.*,
        case
            when due_positions.clock = 'calendar'
                then {{ pulse_timestamp_from_epoch_seconds('due_positions.due_position') }}
            when due_positions.due_position <= business_windows.business_seconds_after
                then {{ pulse_timestamp_from_epoch_seconds(
                    'business_windows.window_start_epoch_seconds + due_positions.due_position'
                    ~ ' - business_windows.business_seconds_before'
                ) }}
        end as clock_due_at
    from due_positions
    asof left join {{ ref('int_business_windows') }} as business_windows
        on
            due_positions.schedule_id = business_windows.schedule_id
            and due_positions.due_position > business_windows.business_seconds_before

),

-- a paused clock short of its target has no due time yet
due as (

    select
        *,
        case
            when not is_paused or elapsed_seconds > target_seconds then clock_due_at
        end as due_at
    from clocked

),

final as (

    select
        clocked.ticket_id,
        clocked.metric,
        clocked.support_tier,
        clocked.priority,
        clocked.clock,
        clocked.target_minutes,
        clocked.elapsed_seconds / 60.0 as elapsed_minutes,
        clocked.due_at,
        clocked.completed_at,
        {{ pulse_sla_outcome('clocked.elapsed_seconds', 'clocked.target_seconds',
            'clocked.is_completed') }} as outcome,
        {{ pulse_sla_outcome_at('clocked.elapsed_seconds', 'clocked.target_seconds',
            'clocked.is_completed', 'clocked.due_at', 'clocked.completed_at') }} as outcome_at,
        clocked.engineer_id,
        engineers.team_id,
        clocked.is_paused,
        clocked.is_completed,
        clocked.started_at,
        clocked.target_minutes - clocked.elapsed_seconds / 60.0 as remaining_minutes,
        clocked.schedule_id,
        clocked.policy_valid_from,
        clocked.instance
    from due as clocked
    left join {{ ref('stg_helpdesk__engineers') }} as engineers
        on clocked.engineer_id = engineers.engineer_id

)

select * from final
