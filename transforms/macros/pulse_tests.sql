{#-
    Generic test: none of `columns` holds a null. The non-key columns of a model are
    checked in one pass: a `not_null` per column costs a dbt node each, and at about
    70 ms of dbt's own work per node that was a quarter of an incremental build
    (DECISIONLOG "Null checks: one test per model"). One failing row per column with
    nulls (column_name, check_name 'not_null', null_rows); the failure count is the
    number of null cells.
-#}
{% test pulse_not_null(model, columns) %}

{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}

{%- set checks = [] -%}
{%- for column in columns -%}
    {%- do checks.append([column, 'not_null', column ~ ' is null']) -%}
{%- endfor %}

{{ pulse_bad_cell_counts(model, checks, 'null_rows') }}

{% endtest %}

{#- Generic test: no two rows share the same combination of `columns`. -#}
{% test pulse_unique_combination(model, columns) %}

select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}

{#-
    Generic test: a model's columns hold only the values they may, all checked in one
    pass over the model (DECISIONLOG "Value checks: one test per model"):
      accepted_values  {column: [value, ...]}: a non-null value outside the list;
      non_negative     [column, ...]: a value below zero (durations, counts, amounts);
      between          {column: {min_value: a, max_value: b}}: a non-null value outside
                       [a, b] (either bound may be left out).
    Strings in a value list are SQL strings, numbers and booleans literals. One failing
    row per column and check (column_name, check_name, bad_rows); the failure count is
    the number of bad cells.
-#}
{% test pulse_column_values(model, accepted_values={}, non_negative=[], between={}) %}

{{ config(fail_calc='coalesce(sum(bad_rows), 0)') }}

{%- set checks = [] -%}
{%- for column, values in accepted_values.items() -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(pulse_sql_literal(value)) -%}
    {%- endfor -%}
    {%- do checks.append([column, 'accepted_values', column ~ ' not in (' ~ literals | join(', ') ~ ')']) -%}
{%- endfor -%}
{%- for column in non_negative -%}
    {%- do checks.append([column, 'non_negative', column ~ ' < 0']) -%}
{%- endfor -%}
{%- for column, bounds in between.items() -%}
    {%- set outside = [] -%}
    {%- if bounds.get('min_value') is not none -%}
        {%- do outside.append(column ~ ' < ' ~ pulse_sql_literal(bounds['min_value'])) -%}
    {%- endif -%}
    {%- if bounds.get('max_value') is not none -%}
        {%- do outside.append(column ~ ' > ' ~ pulse_sql_literal(bounds['max_value'])) -%}
    {%- endif -%}
    {%- do checks.append([column, 'between', outside | join(' or ') or 'false']) -%}
{%- endfor %}

{{ pulse_bad_cell_counts(model, checks, 'bad_rows') }}

{% endtest %}

{#-
    The one pass both column tests above make: for each check [column, check_name,
    condition], the number of rows where the condition holds, all summed in one read of
    `model`; one row (column_name, check_name, `count_column`) per check that counted any.
-#}
{% macro pulse_bad_cell_counts(model, checks, count_column) %}
with bad_counts as (
    select
    {%- for column, check, condition in checks %}
        sum(case when {{ condition }} then 1 else 0 end) as bad_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)

{% for column, check, condition in checks -%}
select '{{ column }}' as column_name, '{{ check }}' as check_name, bad_{{ loop.index }} as {{ count_column }}
from bad_counts
where bad_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif -%}
{%- endfor %}
{% endmacro %}

{#- A YAML value as a SQL literal: a string quoted (quotes doubled), a number or boolean as is. -#}
{% macro pulse_sql_literal(value) -%}
    {%- if value is string -%}
        '{{ value | replace("'", "''") }}'
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('pulse_sql_literal: not a string, number or boolean: ' ~ value) }}
    {%- endif -%}
{%- endmacro %}

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
