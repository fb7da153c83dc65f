{#-
    Benchmark reference (DESIGN s8, issue 3): the fastest single hand-written DuckDB
    query we could write for the per-ticket SLA clocks the dbt models compute -
    calendar-clock first response (first public agent comment, or the first solve if
    earlier) and resolution (running time in new/open/on_hold, pending and solved
    excluded, to the last solve or to as_of) - straight over the raw events, one scan,
    one window. No tiers, targets, business hours or due times: a lower bound for
    the SLA models, not a replacement. `make bench` times it against the models.
-#}
with

events as (

    select
        ticket_id,
        event_id,
        event_at,
        event_type = 'comment' as is_comment,
        case when event_type = 'created' then 'new' else to_value end as status
    from {{ source('helpdesk', 'ticket_events') }}
    where event_at <= {{ pulse_as_of() }}
        and (
            event_type in ('created', 'status_changed')
            or (event_type = 'comment' and is_public and actor_role = 'agent')
        )

),

timeline as (

    select
        *,
        lead(event_at) over w as next_at,
        lag(status) over w as previous_status
    from events
    window w as (partition by ticket_id, is_comment order by event_at, event_id)

)

select
    ticket_id,
    min(event_at) filter (where not is_comment and status = 'new') as created_at,
    least(
        min(event_at) filter (where is_comment),
        min(event_at) filter (where status = 'solved')
    ) as first_response_at,
    (epoch(least(
        min(event_at) filter (where is_comment),
        min(event_at) filter (where status = 'solved')
    )) - epoch(min(event_at) filter (where not is_comment and status = 'new'))) / 60.0
        as first_response_minutes,
    max(event_at) filter (
        where status = 'solved' and coalesce(previous_status, '') not in ('solved', 'closed')
    ) as last_solved_at,
    sum(epoch(coalesce(next_at, {{ pulse_as_of() }})) - epoch(event_at)) filter (
        where not is_comment and status in ('new', 'open', 'on_hold')
    ) / 60.0 as resolution_minutes
from timeline
group by ticket_id
