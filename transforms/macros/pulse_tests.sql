{#- Generic test: no two rows share the same combination of `columns`. -#}
{% test pulse_unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}

{#- Generic test: every value of column_name lies between min_value and max_value. -#}
{% test pulse_between(model, column_name, min_value=none, max_value=none) %}

select *
from {{ model }}
where {{ column_name }} is not null and (
    false
    {% if min_value is not none %} or {{ column_name }} < {{ min_value }}{% endif %}
    {% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
)

{% endtest %}

{#- Generic test: a duration (minutes, seconds, hours, days, elapsed) is never negative. -#}
{% test non_negative(model, column_name) %}

select *
from {{ model }}
where {{ column_name }} < 0

{% endtest %}

{#- Generic test: a moment is never before the row's start (e.g. due_at >= started_at). -#}
{% test not_before(model, column_name, start_column) %}

select *
from {{ model }}
where {{ column_name }} < {{ start_column }}

{% endtest %}
