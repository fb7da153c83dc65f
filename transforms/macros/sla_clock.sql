{#-
    Business-clock arithmetic over int_calendar_days / int_business_windows (no ticket
    is ever expanded into minutes or hours).
-#}

{#- Local business date of a UTC instant: join key into int_calendar_days.date_day. -#}
{% macro pulse_business_date(ts) -%}
    cast({{ pulse_utc_to_local(ts) }} as date)
{%- endmacro %}

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
