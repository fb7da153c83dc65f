{#-
    Generic test: none of `columns` holds a null. The non-key columns of a model are
    checked in one pass: a `not_null` per column costs a dbt node each, and at about
    70 ms of dbt's own work per node that was a quarter of an incremental build
    (DECISIONLOG "Null checks: one test per model"). One failing row per column with
    nulls, naming it; the failure count is the number of null cells.
-#}
{% test pulse_not_null(model, columns) %}

{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}

with null_counts as (
    select
    {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as {{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select '{{ column }}' as column_name, {{ column }} as null_rows
from null_counts
where {{ column }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}

{% endtest %}

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

{#-
    Generic test on sla_policies: no two versions of a tier x priority x metric are in
    force on the same date (each ticket must find exactly one policy row).
-#}
{% test pulse_policy_versions_do_not_overlap(model) %}

select earlier.support_tier, earlier.priority, earlier.metric, earlier.valid_from, later.valid_from as overlapping_from
from {{ model }} as earlier
inner join {{ model }} as later
    on
        earlier.support_tier = later.support_tier
        and earlier.priority = later.priority
        and earlier.metric = later.metric
        and earlier.valid_from < later.valid_from
        and (earlier.valid_to is null or earlier.valid_to > later.valid_from)

{% endtest %}
