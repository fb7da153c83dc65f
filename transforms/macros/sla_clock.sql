{#-
    Business-clock arithmetic over int_calendar_days / int_business_windows (no ticket
    is ever expanded into minutes or hours).
-#}

{#-
    Business seconds run from the calendar's origin up to the UTC instant `ts`, given
    the int_calendar_days row `day` of its local date. Monotone in ts, so business
    seconds between a and b = position(b) - position(a); an instant out of hours sits
    at the position of the next business minute.
-#}
{% macro pulse_business_position(ts, day) -%}
    ({{ day }}.business_seconds_before_day + case
        when {{ day }}.is_working_day then
            case
                when {{ pulse_epoch_seconds(ts) }} <= {{ day }}.window_start_epoch_seconds then 0
                when {{ pulse_epoch_seconds(ts) }}
                    >= {{ day }}.window_start_epoch_seconds + {{ day }}.window_seconds
                    then {{ day }}.window_seconds
                else {{ pulse_epoch_seconds(ts) }} - {{ day }}.window_start_epoch_seconds
            end
        else 0
    end)
{%- endmacro %}

{#-
    The two steps both clocks share, as CTEs `accumulated` and `per_metric`, over a CTE
    `positioned` (scenario, ticket_id, metric, instance, target_seconds, is_running,
    segment_number, start_position, end_position) whose positions are calendar epoch seconds or
    business seconds: the clock's seconds per running segment, the seconds run before
    each segment, and per ticket and metric the elapsed seconds and the position where
    the target is crossed (null when it is not crossed yet). One macro, so the business
    and calendar clocks can never disagree on the rule.
-#}
{% macro pulse_clock_progress(positioned) -%}
accumulated as (

    select
        scenario,
        ticket_id,
        metric,
        instance,
        target_seconds,
        is_running,
        start_position,
        case when end_position > start_position then end_position - start_position else 0 end
            as segment_seconds,
        coalesce(sum(
            case when end_position > start_position then end_position - start_position else 0 end
        ) over (
            partition by scenario, ticket_id, metric, instance order by segment_number
            rows between unbounded preceding and 1 preceding
        ), 0) as seconds_before
    from {{ positioned }}

),

per_metric as (

    select
        scenario,
        ticket_id,
        metric,
        instance,
        sum(segment_seconds) as elapsed_seconds,
        max(case when is_running then 1 else 0 end) = 1 as is_running,
        min(case
            when
                seconds_before < target_seconds
                and seconds_before + segment_seconds >= target_seconds
                then start_position + target_seconds - seconds_before
        end) as crossing_position
    from accumulated
    group by scenario, ticket_id, metric, instance

)
{%- endmacro %}

{#-
    The SLA outcome of a clock (DESIGN s5), shared by fct_sla_outcomes and the what-if:
    breached once the clock ran past the target (a completion exactly on target is met),
    met when completed within it, else pending; and the outcome's moment.
-#}
{% macro pulse_sla_outcome(elapsed_seconds, target_seconds, is_completed) -%}
    case
        when {{ elapsed_seconds }} > {{ target_seconds }} then 'breached'
        when {{ is_completed }} then 'met'
        else 'pending'
    end
{%- endmacro %}

{% macro pulse_sla_outcome_at(elapsed_seconds, target_seconds, is_completed, due_at, completed_at) -%}
    case
        when {{ elapsed_seconds }} > {{ target_seconds }} then {{ due_at }}
        when {{ is_completed }} then {{ completed_at }}
    end
{%- endmacro %}
