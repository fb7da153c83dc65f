{#-
    The project's only dialect-specific SQL. Every model stays portable (dbt's own
    cross-database macros for the rest); what differs between engines - time-zone
    conversion and epoch arithmetic - goes through these `adapter.dispatch` families,
    with a `default__` variant (ANSI-ish / Spark-Snowflake style), a `duckdb__` one and a
    `spark__` one (docs/SPARK.md).

    Conventions: timestamps in the warehouse are UTC and naive (`timestamp` without
    zone); "local" means naive wall-clock time in var('business_timezone').
-#}

{#-
    UTC naive timestamp -> naive wall-clock time in a time zone: `tz` is a zone name
    (default var('business_timezone')); `tz_expr` instead is a SQL expression giving the
    zone per row (a schedule's time_zone column).
-#}
{% macro pulse_utc_to_local(ts, tz=none, tz_expr=none) -%}
    {{ return(adapter.dispatch('pulse_utc_to_local', 'pulse')(
        ts, tz_expr or ("'" ~ (tz or var('business_timezone')) ~ "'"))) }}
{%- endmacro %}

{% macro default__pulse_utc_to_local(ts, tz_expr) -%}
    convert_timezone('UTC', {{ tz_expr }}, {{ ts }})
{%- endmacro %}

{% macro duckdb__pulse_utc_to_local(ts, tz_expr) -%}
    timezone({{ tz_expr }}, timezone('UTC', {{ ts }}))
{%- endmacro %}

{#- Spark timestamps are instants shown in the session zone (UTC, profiles.yml): from_utc_timestamp gives the wall clock. -#}
{% macro spark__pulse_utc_to_local(ts, tz_expr) -%}
    from_utc_timestamp({{ ts }}, {{ tz_expr }})
{%- endmacro %}

{#- Naive wall-clock time in a time zone (as above) -> UTC naive timestamp. -#}
{% macro pulse_local_to_utc(ts, tz=none, tz_expr=none) -%}
    {{ return(adapter.dispatch('pulse_local_to_utc', 'pulse')(
        ts, tz_expr or ("'" ~ (tz or var('business_timezone')) ~ "'"))) }}
{%- endmacro %}

{% macro default__pulse_local_to_utc(ts, tz_expr) -%}
    convert_timezone({{ tz_expr }}, 'UTC', {{ ts }})
{%- endmacro %}

{% macro duckdb__pulse_local_to_utc(ts, tz_expr) -%}
    timezone('UTC', timezone({{ tz_expr }}, {{ ts }}))
{%- endmacro %}

{% macro spark__pulse_local_to_utc(ts, tz_expr) -%}
    to_utc_timestamp({{ ts }}, {{ tz_expr }})
{%- endmacro %}

{#- Seconds since 1970-01-01 00:00:00 of a UTC naive timestamp, as a double. -#}
{% macro pulse_epoch_seconds(ts) -%}
    {{ return(adapter.dispatch('pulse_epoch_seconds', 'pulse')(ts)) }}
{%- endmacro %}

{% macro default__pulse_epoch_seconds(ts) -%}
    cast(extract(epoch from {{ ts }}) as double precision)
{%- endmacro %}

{% macro duckdb__pulse_epoch_seconds(ts) -%}
    epoch({{ ts }})
{%- endmacro %}

{% macro spark__pulse_epoch_seconds(ts) -%}
    (cast(unix_micros(cast({{ ts }} as timestamp)) as double) / 1000000)
{%- endmacro %}

{#- Inverse of pulse_epoch_seconds: UTC naive timestamp (microsecond precision). -#}
{% macro pulse_timestamp_from_epoch_seconds(seconds) -%}
    {{ return(adapter.dispatch('pulse_timestamp_from_epoch_seconds', 'pulse')(seconds)) }}
{%- endmacro %}

{% macro default__pulse_timestamp_from_epoch_seconds(seconds) -%}
    cast(to_timestamp({{ seconds }}) as timestamp)
{%- endmacro %}

{% macro duckdb__pulse_timestamp_from_epoch_seconds(seconds) -%}
    make_timestamp(cast(round(({{ seconds }}) * 1000000) as bigint))
{%- endmacro %}

{% macro spark__pulse_timestamp_from_epoch_seconds(seconds) -%}
    timestamp_micros(cast(round(({{ seconds }}) * 1000000) as bigint))
{%- endmacro %}

{#- Calendar date + wall-clock time of day -> naive timestamp. -#}
{% macro pulse_date_at_time(date_expr, time_expr) -%}
    {{ return(adapter.dispatch('pulse_date_at_time', 'pulse')(date_expr, time_expr)) }}
{%- endmacro %}

{% macro default__pulse_date_at_time(date_expr, time_expr) -%}
    cast(cast({{ date_expr }} as varchar) || ' ' || cast({{ time_expr }} as varchar) as timestamp)
{%- endmacro %}

{% macro duckdb__pulse_date_at_time(date_expr, time_expr) -%}
    (cast({{ date_expr }} as date) + cast({{ time_expr }} as time))
{%- endmacro %}

{#-
    Spark has no time type: the seeds carry the time of day as 'HH:MM:SS' text
    (seeds/_seeds.yml, business_schedules), and closing at '24:00:00' (the end of
    the day) must work, which to_timestamp of the concatenation refuses: midnight
    plus an interval of the parts.
-#}
{% macro spark__pulse_date_at_time(date_expr, time_expr) -%}
    (cast(cast({{ date_expr }} as date) as timestamp) + make_dt_interval(
        0,
        cast(split_part({{ time_expr }}, ':', 1) as int),
        cast(split_part({{ time_expr }}, ':', 2) as int),
        cast(coalesce(nullif(split_part({{ time_expr }}, ':', 3), ''), '0') as decimal(18, 6))
    ))
{%- endmacro %}

{#- ISO day of week, Monday = 1 .. Sunday = 7. -#}
{% macro pulse_iso_day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('pulse_iso_day_of_week', 'pulse')(date_expr)) }}
{%- endmacro %}

{% macro default__pulse_iso_day_of_week(date_expr) -%}
    extract(isodow from {{ date_expr }})
{%- endmacro %}

{% macro duckdb__pulse_iso_day_of_week(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{#- weekday(): Monday = 0. -#}
{% macro spark__pulse_iso_day_of_week(date_expr) -%}
    (weekday({{ date_expr }}) + 1)
{%- endmacro %}

{#- ISO 8601 week-numbering year of a date (the year its ISO week belongs to). -#}
{% macro pulse_iso_year(date_expr) -%}
    {{ return(adapter.dispatch('pulse_iso_year', 'pulse')(date_expr)) }}
{%- endmacro %}

{% macro default__pulse_iso_year(date_expr) -%}
    extract(isoyear from {{ date_expr }})
{%- endmacro %}

{% macro spark__pulse_iso_year(date_expr) -%}
    extract(yearofweek from {{ date_expr }})
{%- endmacro %}

{#- The distinct values of a text expression, sorted, joined by `delimiter` (a SQL string). -#}
{% macro pulse_distinct_list(expr, delimiter) -%}
    {{ return(adapter.dispatch('pulse_distinct_list', 'pulse')(expr, delimiter)) }}
{%- endmacro %}

{% macro default__pulse_distinct_list(expr, delimiter) -%}
    string_agg(distinct {{ expr }}, {{ delimiter }} order by {{ expr }})
{%- endmacro %}

{#- Spark's aggregates take no ORDER BY: the set of values, sorted, then joined. -#}
{% macro spark__pulse_distinct_list(expr, delimiter) -%}
    array_join(array_sort(collect_set({{ expr }})), {{ delimiter }})
{%- endmacro %}

{#-
    first_value / last_value skipping nulls, as a window function (the caller adds
    `over ...`): DuckDB writes `ignore nulls` inside the call, Spark as a second argument.
-#}
{% macro pulse_first_value_ignoring_nulls(expr) -%}
    {{ return(adapter.dispatch('pulse_first_value_ignoring_nulls', 'pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_first_value_ignoring_nulls(expr) -%}
    first_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__pulse_first_value_ignoring_nulls(expr) -%}
    first_value({{ expr }}, true)
{%- endmacro %}

{% macro pulse_last_value_ignoring_nulls(expr) -%}
    {{ return(adapter.dispatch('pulse_last_value_ignoring_nulls', 'pulse')(expr)) }}
{%- endmacro %}

{% macro default__pulse_last_value_ignoring_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__pulse_last_value_ignoring_nulls(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}

{#- The UTC timestamp `as_of`, as a SQL literal. -#}
{% macro pulse_as_of() -%}
    cast('{{ pulse_as_of_text() }}' as timestamp)
{%- endmacro %}

{#-
    `as_of` as text: the var when set (unit tests, ad-hoc --vars), else PULSE_AS_OF
    from `pulse build`, else a far future moment (every clock runs to "now").

    The environment is read only when dbt executes a node, never while it parses:
    dbt's partial parsing records every env_var() a file calls at parse time and
    parses those files again whenever the value changes - with PULSE_AS_OF, every
    build (38 files and the manifest, about 5 s of an incremental build). Parsing
    needs no real moment: the value only lands in SQL text, never in a ref or config.
-#}
{% macro pulse_as_of_text() -%}
    {%- set from_var = var("as_of") -%}
    {%- if from_var != "environment" -%}
        {{ return(from_var) }}
    {%- endif -%}
    {%- if not execute -%}
        {{ return("2100-01-01 00:00:00") }}
    {%- endif -%}
    {{ return(env_var("PULSE_AS_OF", "2100-01-01 00:00:00")) }}
{%- endmacro %}

{#-
    Value of `value` on the first (last) row ordered by `ts`, then `tiebreak` (events at
    the same instant are ordered by event_id), among the rows where `where` holds (all
    rows when none). Aggregate function; null when no row qualifies.
-#}
{% macro pulse_first_by(value, ts, tiebreak, where=none) -%}
    {{ return(adapter.dispatch('pulse_first_by', 'pulse')(value, ts, tiebreak, where)) }}
{%- endmacro %}

{% macro default__pulse_first_by(value, ts, tiebreak, where) -%}
    min_by({{ value }}, case when {{ where or 'true' }} then
        concat(cast({{ ts }} as varchar), '|', {{ tiebreak }}) end)
{%- endmacro %}

{% macro duckdb__pulse_first_by(value, ts, tiebreak, where) -%}
    arg_min({{ value }}, ({{ ts }}, {{ tiebreak }})){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- Spark orders structs field by field, like DuckDB's row values, and has filter clauses. -#}
{% macro spark__pulse_first_by(value, ts, tiebreak, where) -%}
    min_by({{ value }}, struct({{ ts }}, {{ tiebreak }})){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro pulse_last_by(value, ts, tiebreak, where=none) -%}
    {{ return(adapter.dispatch('pulse_last_by', 'pulse')(value, ts, tiebreak, where)) }}
{%- endmacro %}

{% macro default__pulse_last_by(value, ts, tiebreak, where) -%}
    max_by({{ value }}, case when {{ where or 'true' }} then
        concat(cast({{ ts }} as varchar), '|', {{ tiebreak }}) end)
{%- endmacro %}

{% macro duckdb__pulse_last_by(value, ts, tiebreak, where) -%}
    arg_max({{ value }}, ({{ ts }}, {{ tiebreak }})){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__pulse_last_by(value, ts, tiebreak, where) -%}
    max_by({{ value }}, struct({{ ts }}, {{ tiebreak }})){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- count(*) of the rows where `where` holds. -#}
{% macro pulse_count_if(where) -%}
    cast(sum(case when {{ where }} then 1 else 0 end) as bigint)
{%- endmacro %}

{#-
    Join each row of the left side to the row of `relation` with the latest
    `right_start` <= `left_ts` (and `left_ts` < `right_end`): DuckDB's ASOF join, a
    range join elsewhere. Used to find the business-calendar day of a UTC instant
    without converting every instant's time zone. `by`: pairs (left column, right
    column) that must also be equal (the schedule of a calendar).
-#}
{% macro pulse_asof_left_join(relation, alias, left_ts, right_start, right_end, strict=false, by=[]) -%}
    {{ return(adapter.dispatch('pulse_asof_left_join', 'pulse')(relation, alias, left_ts, right_start, right_end, strict, by)) }}
{%- endmacro %}

{#- strict: right_start < left_ts <= right_end instead of right_start <= left_ts < right_end -#}
{% macro default__pulse_asof_left_join(relation, alias, left_ts, right_start, right_end, strict, by) -%}
    left join {{ relation }} as {{ alias }}
        on {% for left, right in by %}{{ left }} = {{ alias }}.{{ right }} and {% endfor %}{{ left_ts }} {{ '>' if strict else '>=' }} {{ alias }}.{{ right_start }}
        and {{ left_ts }} {{ '<=' if strict else '<' }} {{ alias }}.{{ right_end }}
{%- endmacro %}

{% macro duckdb__pulse_asof_left_join(relation, alias, left_ts, right_start, right_end, strict, by) -%}
    asof left join {{ relation }} as {{ alias }}
        on {% for left, right in by %}{{ left }} = {{ alias }}.{{ right }} and {% endfor %}{{ left_ts }} {{ '>' if strict else '>=' }} {{ alias }}.{{ right_start }}
{%- endmacro %}

{#- Spark has no ASOF join: the bounded range join (right_end is the next row's start). -#}
{% macro spark__pulse_asof_left_join(relation, alias, left_ts, right_start, right_end, strict, by) -%}
    {{ default__pulse_asof_left_join(relation, alias, left_ts, right_start, right_end, strict, by) }}
{%- endmacro %}

{#- Like pulse_first_by / pulse_last_by with one orderable key (no tie-break needed). -#}
{% macro pulse_first_by_key(value, key, where=none) -%}
    {{ return(adapter.dispatch('pulse_first_by_key', 'pulse')(value, key, where)) }}
{%- endmacro %}

{% macro default__pulse_first_by_key(value, key, where) -%}
    min_by({{ value }}, case when {{ where or 'true' }} then {{ key }} end)
{%- endmacro %}

{% macro duckdb__pulse_first_by_key(value, key, where) -%}
    arg_min({{ value }}, {{ key }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__pulse_first_by_key(value, key, where) -%}
    min_by({{ value }}, {{ key }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro pulse_last_by_key(value, key, where=none) -%}
    {{ return(adapter.dispatch('pulse_last_by_key', 'pulse')(value, key, where)) }}
{%- endmacro %}

{% macro default__pulse_last_by_key(value, key, where) -%}
    max_by({{ value }}, case when {{ where or 'true' }} then {{ key }} end)
{%- endmacro %}

{% macro duckdb__pulse_last_by_key(value, key, where) -%}
    arg_max({{ value }}, {{ key }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro spark__pulse_last_by_key(value, key, where) -%}
    max_by({{ value }}, {{ key }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- Fail the query with `message` (a SQL string expression): for data tests that must say what to do. -#}
{% macro pulse_raise(message) -%}
    {{ return(adapter.dispatch('pulse_raise', 'pulse')(message)) }}
{%- endmacro %}

{% macro default__pulse_raise(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{% macro duckdb__pulse_raise(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro spark__pulse_raise(message) -%}
    raise_error({{ message }})
{%- endmacro %}

{#-
    `materialized` after `<cte> as` where the engine takes it: a CTE that every part of
    a union reads (one part per period kind and tier) is then computed once instead of
    once per part (fct_sla_elapsed_stats_periods at 1 M tickets: 2.1 s inlined, 1.1 s
    materialized, DuckDB 2.0). Spark's SQL has no such hint; its planner decides.
-#}
{% macro pulse_cte_materialized() -%}
    {{ return(adapter.dispatch('pulse_cte_materialized', 'pulse')()) }}
{%- endmacro %}

{% macro default__pulse_cte_materialized() -%}
{%- endmacro %}

{% macro duckdb__pulse_cte_materialized() -%}
    materialized
{%- endmacro %}
