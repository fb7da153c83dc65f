{#-
    The reporting periods the period marts roll up to (day, ISO week, month, quarter,
    year) and each period's start, label and last day. One definition, so the /sla page,
    the OKR page and the digest name and bound a period the same way.
-#}

{#- The first day of the period of `kind` that holds the date `date_expr`. -#}
{% macro period_start_of(kind, date_expr) -%}
    {%- if kind == 'day' -%}
        {{ date_expr }}
    {%- else -%}
        cast({{ dbt.date_trunc('week' if kind == 'iso_week' else kind, date_expr) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- The period's label ('2026-11-30', '2026-W49', '2026-11', '2026-Q4', '2026') from its
    kind column and start column. -#}
{% macro period_label_of(kind_col, start_col) -%}
    case {{ kind_col }}
        when 'day' then cast({{ start_col }} as {{ dbt.type_string() }})
        when 'iso_week' then {{ iso_week_label(start_col) }}
        when 'month' then {{ month_label(start_col) }}
        when 'quarter' then {{ quarter_label(start_col) }}
        else {{ year_label(start_col) }}
    end
{%- endmacro %}

{#- The period's last day (inclusive) from its kind column and start column. -#}
{% macro period_end_of(kind_col, start_col) -%}
    case {{ kind_col }}
        when 'day' then {{ start_col }}
        when 'iso_week' then cast({{ dbt.dateadd('day', 6, start_col) }} as date)
        when 'month'
            then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, start_col)) }} as date)
        when 'quarter'
            then cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 3, start_col)) }} as date)
        else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 12, start_col)) }} as date)
    end
{%- endmacro %}

{#-
    The (period kind, all tiers) pairs a period mart aggregates once each: for every kind
    of `period_kinds`, false (one row per support tier) then true (support_tier 'all',
    every tier together). Each pair is aggregated from the rows themselves, so measures
    that do not add up (percentiles) are right for the all-tier rows too.
-#}
{% macro period_tier_parts(period_kinds) -%}
    {%- set parts = [] %}
    {%- for kind in period_kinds %}
        {%- for all_tier in [false, true] %}
            {%- do parts.append((kind, all_tier)) %}
        {%- endfor %}
    {%- endfor %}
    {{- return(parts) }}
{%- endmacro %}
