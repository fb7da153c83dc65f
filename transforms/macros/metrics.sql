{#-
    Macros of the customer, revenue, efficiency, engineer and OKR marts. Time-zone
    conversion and as_of come from cross_db.sql (pulse_utc_to_local, pulse_as_of); the
    few other dialect-specific bits here sit behind adapter.dispatch (a `default__`
    version in Spark-style SQL, a `duckdb__` one), so the models stay portable.
-#}

{#- The business-time-zone calendar date of a UTC timestamp (also the join key into
    int_calendar_days.date_day for the SLA clocks). -#}
{% macro business_date(ts) -%}
    cast({{ pulse_utc_to_local(ts) }} as date)
{%- endmacro %}

{#- First day of the business-time-zone month / ISO week of a UTC timestamp. -#}
{% macro business_month(ts) -%}
    cast({{ dbt.date_trunc('month', pulse_utc_to_local(ts)) }} as date)
{%- endmacro %}

{% macro business_week(ts) -%}
    cast({{ dbt.date_trunc('week', pulse_utc_to_local(ts)) }} as date)
{%- endmacro %}

{#- Calendar parts of a date as integers. -#}
{% macro year_of(d) -%}
    cast(extract(year from {{ d }}) as integer)
{%- endmacro %}

{% macro month_of(d) -%}
    cast(extract(month from {{ d }}) as integer)
{%- endmacro %}

{% macro quarter_of(d) -%}
    cast(floor((extract(month from {{ d }}) - 1) / 3) + 1 as integer)
{%- endmacro %}

{#- Period labels: 'YYYY-MM', 'YYYY-Qn', 'YYYY' from a date. -#}
{% macro month_label(d) -%}
    {{ return(adapter.dispatch('month_label')(d)) }}
{%- endmacro %}

{% macro default__month_label(d) -%}
    date_format({{ d }}, 'yyyy-MM')
{%- endmacro %}

{% macro duckdb__month_label(d) -%}
    strftime(cast({{ d }} as date), '%Y-%m')
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__month_label(d) -%}
    {{ default__month_label(d) }}
{%- endmacro %}

{% macro quarter_label(d) -%}
    {{ dbt.concat([
        "cast(" ~ year_of(d) ~ " as " ~ dbt.type_string() ~ ")",
        "'-Q'",
        "cast(" ~ quarter_of(d) ~ " as " ~ dbt.type_string() ~ ")"
    ]) }}
{%- endmacro %}

{% macro year_label(d) -%}
    cast({{ year_of(d) }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- ISO week label 'YYYY-Www' of a date. -#}
{% macro iso_week_label(d) -%}
    {{ return(adapter.dispatch('iso_week_label')(d)) }}
{%- endmacro %}

{% macro default__iso_week_label(d) -%}
    concat(cast(extract(yearofweek from {{ d }}) as string), '-W', lpad(cast(weekofyear({{ d }}) as string), 2, '0'))
{%- endmacro %}

{% macro duckdb__iso_week_label(d) -%}
    strftime(cast({{ d }} as date), '%G-W%V')
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__iso_week_label(d) -%}
    {{ default__iso_week_label(d) }}
{%- endmacro %}

{#- 100 * numerator / denominator, null when the denominator is zero or null. -#}
{% macro pct(numerator, denominator) -%}
    case when ({{ denominator }}) > 0 then 100.0 * ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{% macro ratio(numerator, denominator) -%}
    case when ({{ denominator }}) > 0 then 1.0 * ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{#-
    THE status rule (DESIGN s4), the only one in the project: every mart's `status`
    column is this macro. on_track when the value meets the target, at_risk within the
    amber band (band_pct percent of the target, relative), off_track otherwise.
    direction: 'higher' (at least the target), 'lower' (at most the target: mirrored),
    'range' (between target and target_max; the band applies on both sides).
    Missing actual or target -> no_data.
-#}
{% macro metric_status(actual, target, direction, band_pct, target_max='null') -%}
    case
        when {{ actual }} is null or {{ target }} is null then 'no_data'
        when {{ direction }} = 'lower' then
            case
                when {{ actual }} <= {{ target }} then 'on_track'
                when {{ actual }} <= {{ target }} + abs({{ target }}) * {{ band_pct }} / 100.0 then 'at_risk'
                else 'off_track'
            end
        when {{ direction }} = 'range' and {{ actual }} > coalesce({{ target_max }}, {{ actual }}) then
            case
                when {{ actual }} <= {{ target_max }} + abs({{ target_max }}) * {{ band_pct }} / 100.0 then 'at_risk'
                else 'off_track'
            end
        else
            case
                when {{ actual }} >= {{ target }} then 'on_track'
                when {{ actual }} >= {{ target }} - abs({{ target }}) * {{ band_pct }} / 100.0 then 'at_risk'
                else 'off_track'
            end
    end
{%- endmacro %}

{#- The amber band width of okr_settings (percent of the target), 5 when unset: a scalar
    subquery over the okr_settings seed, so every mart reads the same band. -#}
{% macro amber_band_pct() -%}
    (
        select coalesce(max(case when setting = 'amber_band_pct' then cast(value as double) end), 5.0)
        from {{ ref('okr_settings') }}
    )
{%- endmacro %}

{#-
    A one-column relation `month_start` of the first days of the months from
    start_expr to end_expr (both truncated to the month, inclusive). Use as a subquery.
-#}
{% macro month_series(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('month_series')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__month_series(start_expr, end_expr) -%}
    select explode(sequence(
        cast(date_trunc('month', {{ start_expr }}) as date),
        cast(date_trunc('month', {{ end_expr }}) as date),
        interval 1 month
    )) as month_start
{%- endmacro %}

{% macro duckdb__month_series(start_expr, end_expr) -%}
    select cast(unnest(generate_series(
        cast(date_trunc('month', cast({{ start_expr }} as date)) as timestamp),
        cast(date_trunc('month', cast({{ end_expr }} as date)) as timestamp),
        interval 1 month
    )) as date) as month_start
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__month_series(start_expr, end_expr) -%}
    {{ default__month_series(start_expr, end_expr) }}
{%- endmacro %}

{#- Same for ISO weeks (Mondays): one column `week_start`. -#}
{% macro week_series(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('week_series')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__week_series(start_expr, end_expr) -%}
    select explode(sequence(
        cast(date_trunc('week', {{ start_expr }}) as date),
        cast(date_trunc('week', {{ end_expr }}) as date),
        interval 7 days
    )) as week_start
{%- endmacro %}

{% macro duckdb__week_series(start_expr, end_expr) -%}
    select cast(unnest(generate_series(
        cast(date_trunc('week', cast({{ start_expr }} as date)) as timestamp),
        cast(date_trunc('week', cast({{ end_expr }} as date)) as timestamp),
        interval 7 day
    )) as date) as week_start
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__week_series(start_expr, end_expr) -%}
    {{ default__week_series(start_expr, end_expr) }}
{%- endmacro %}

{#- The last month the marts extend to: the as_of month, but never past today
    (the ad-hoc default as_of is far in the future). -#}
{% macro reporting_end_date() -%}
    least({{ business_date(pulse_as_of()) }}, current_date)
{%- endmacro %}

{#-
    Breakdown rows for the VP's filters: every combination of support tier, segment and
    region (a cube: 'all' where a dimension is not broken down, so the total has 'all'
    in all three). Any combination of the three filters reads its own row; nothing is
    recomputed in the dashboard. A model loops over breakdown_sets() and unions one
    aggregate per set:
        {{ breakdown_columns(set, 'support_tier', 'segment', 'region') }}  -- in select
        {{ breakdown_group_by(set, 'support_tier', 'segment', 'region') }} -- extra group-by keys
-#}
{% macro breakdown_sets() -%}
    {{ return([
        [], ['tier'], ['segment'], ['region'],
        ['tier', 'segment'], ['tier', 'region'], ['segment', 'region'],
        ['tier', 'segment', 'region']
    ]) }}
{%- endmacro %}

{% macro breakdown_columns(active, tier_col, segment_col, region_col) -%}
    {{ ("coalesce(cast(" ~ tier_col ~ " as " ~ dbt.type_string() ~ "), 'unknown')") if 'tier' in active else "'all'" }} as dim_tier,
    {{ ("coalesce(" ~ segment_col ~ ", 'unknown')") if 'segment' in active else "'all'" }} as dim_segment,
    {{ ("coalesce(" ~ region_col ~ ", 'unknown')") if 'region' in active else "'all'" }} as dim_region
{%- endmacro %}

{% macro breakdown_group_by(active, tier_col, segment_col, region_col) -%}
    {%- set cols = [] -%}
    {%- if 'tier' in active %}{% do cols.append(tier_col) %}{% endif -%}
    {%- if 'segment' in active %}{% do cols.append(segment_col) %}{% endif -%}
    {%- if 'region' in active %}{% do cols.append(region_col) %}{% endif -%}
    {%- if cols %}, {{ cols | join(', ') }}{% endif -%}
{%- endmacro %}


{#- The UTC quarter hour (15-minute bucket) an instant falls in. -#}
{% macro quarter_hour_floor(ts) -%}
    {{ return(adapter.dispatch('quarter_hour_floor')(ts)) }}
{%- endmacro %}

{% macro default__quarter_hour_floor(ts) -%}
    {{ dbt.dateadd('minute', '-(extract(minute from ' ~ ts ~ ') % 15)', dbt.date_trunc('minute', ts)) }}
{%- endmacro %}

{% macro duckdb__quarter_hour_floor(ts) -%}
    time_bucket(interval '15 minutes', cast({{ ts }} as timestamp))
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__quarter_hour_floor(ts) -%}
    {{ default__quarter_hour_floor(ts) }}
{%- endmacro %}

{#- One column `quarter_hour_at` of the UTC quarter hours in [start, end). -#}
{% macro quarter_hour_series(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('quarter_hour_series')(start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__quarter_hour_series(start_expr, end_expr) -%}
    select explode(sequence(
        cast({{ start_expr }} as timestamp),
        cast({{ end_expr }} as timestamp) - interval 15 minutes,
        interval 15 minutes
    )) as quarter_hour_at
{%- endmacro %}

{% macro duckdb__quarter_hour_series(start_expr, end_expr) -%}
    select cast(unnest(generate_series(
        cast({{ start_expr }} as timestamp),
        cast({{ end_expr }} as timestamp) - interval 15 minutes,
        interval 15 minutes
    )) as timestamp) as quarter_hour_at
{%- endmacro %}

{#- The default is Spark SQL. -#}
{% macro spark__quarter_hour_series(start_expr, end_expr) -%}
    {{ default__quarter_hour_series(start_expr, end_expr) }}
{%- endmacro %}

{#-
    Join the business-time-zone date, ISO week and month of the UTC instant `ts` as
    <alias>.local_date / local_week_start / local_month_start from `relation`, an import
    CTE of the model: `quarter_hours as (select * from ref('int_quarter_hours_localized'))`.
    Null outside the business calendar's range: read them through business_*_of below,
    which fall back to a direct conversion.
-#}
{% macro business_periods_join(ts, alias, relation='quarter_hours') -%}
    left join {{ relation }} as {{ alias }}
        on {{ alias }}.quarter_hour_at = {{ quarter_hour_floor(ts) }}
{%- endmacro %}

{% macro business_date_of(ts, alias) -%}
    coalesce({{ alias }}.local_date, {{ business_date(ts) }})
{%- endmacro %}

{% macro business_week_of(ts, alias) -%}
    coalesce({{ alias }}.local_week_start, {{ business_week(ts) }})
{%- endmacro %}

{% macro business_month_of(ts, alias) -%}
    coalesce({{ alias }}.local_month_start, {{ business_month(ts) }})
{%- endmacro %}
