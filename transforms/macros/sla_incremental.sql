{#-
    Incremental rebuilds of the event-heavy SLA models (issue 7): only tickets whose
    inputs changed since the last build are recomputed, then replaced whole
    (delete+insert on ticket_id). A model using this keeps two watermark columns on
    every row: built_through_batch_id (the newest landed batch when it was built) and
    built_as_of (the as_of it was built for). A ticket is recomputed when
    - one of its events came in a batch newer than the watermark (new, late or
      out-of-order events, and events re-sent with changes: the loader upserts them with
      the new batch id), or its ticket row did (`include_ticket_rows`);
    - one of its events falls between the previous as_of and this one (events logged
      after the previous as_of were not counted then);
    and every ticket is recomputed when as_of moves backwards.
-#}

{#- Columns recording the watermark, for the model's final select. -#}
{#- Batch ids are global (one load order for every entity), so one watermark serves. -#}
{% macro pulse_watermark_columns() -%}
    (
        select max(batch_id) from (
            select max(source_batch_id) as batch_id from {{ ref('stg_helpdesk__ticket_events') }}
            union all
            select max(source_batch_id) as batch_id from {{ ref('stg_helpdesk__tickets') }}
        ) as landed_batches
    ) as built_through_batch_id,
    {{ pulse_as_of() }} as built_as_of
{%- endmacro %}

{#- `and <ticket column> in (changed tickets)` when building incrementally, else nothing. -#}
{% macro pulse_changed_tickets_filter(ticket_column, include_ticket_rows=false) -%}
    {%- if is_incremental() %}
    and (
        {{ ticket_column }} in (
            select changed_events.ticket_id
            from {{ ref('stg_helpdesk__ticket_events') }} as changed_events
            cross join (
                select
                    max(built_through_batch_id) as batch_id,
                    max(built_as_of) as as_of
                from {{ this }}
            ) as watermark
            where changed_events.source_batch_id > watermark.batch_id
                or (
                    changed_events.event_at > watermark.as_of
                    and changed_events.event_at <= {{ pulse_as_of() }}
                )
            {%- if include_ticket_rows %}
            union
            select changed_tickets.ticket_id
            from {{ ref('stg_helpdesk__tickets') }} as changed_tickets
            where changed_tickets.source_batch_id > (
                select max(built_through_batch_id) from {{ this }}
            )
            {%- endif %}
        )
        or (select max(built_as_of) from {{ this }}) > {{ pulse_as_of() }}
    )
    {%- endif %}
{%- endmacro %}

{#-
    The per-ticket SLA models downstream of the event models (issue 16 item 3) share one
    changed-ticket set, int_sla_recomputed_tickets, computed once per build. A model
    filters its driving CTE with pulse_recomputed_tickets_filter and is materialised
    incremental with incremental_strategy='pulse_ticket_replace': the build deletes
    every row of those tickets (a recomputed ticket may now have fewer rows, or none:
    a late solve can cancel a next-reply instance) and inserts the new rows.
-#}

{#- `and <ticket column> in (the recomputed tickets)` when building incrementally. -#}
{% macro pulse_recomputed_tickets_filter(ticket_column) -%}
    {#- called outside the `if` so that dbt records the dependency when parsing; not in
        a unit test (never incremental), whose fixtures would have to list the set -#}
    {%- if model.resource_type != 'unit_test' -%}
        {%- set recomputed = ref('int_sla_recomputed_tickets') -%}
    {%- endif -%}
    {%- if is_incremental() %}
    and {{ ticket_column }} in (select recomputed.ticket_id from {{ recomputed }} as recomputed)
    {%- endif %}
{%- endmacro %}

{#- dbt's custom incremental strategy `pulse_ticket_replace` (unique_key: ticket_id). -#}
{% macro get_incremental_pulse_ticket_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where
        ticket_id in (select recomputed.ticket_id from {{ ref('int_sla_recomputed_tickets') }} as recomputed)
        or ticket_id in (select ticket_id from {{ source }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}

{#-
    The materialization of the incremental SLA models, by engine. dbt-spark offers no
    delete+insert, and its `merge` needs a Delta or Iceberg table: their jars are not
    on PyPI (the delta-spark wheel is Python only; Spark downloads the jars from Maven
    at session start, which our build machines cannot reach), and `insert_overwrite`
    replaces whole partitions, to which a changed ticket is not confined. So on Spark
    these models are tables, rebuilt in full on every build (docs/SPARK.md,
    "Incremental models"); is_incremental() is then false and the filters above vanish.
-#}
{% macro pulse_ticket_incremental_materialization() -%}
    {{ return(adapter.dispatch('pulse_ticket_incremental_materialization', 'pulse')()) }}
{%- endmacro %}

{% macro default__pulse_ticket_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__pulse_ticket_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#-
    Period aggregates of completed SLA clocks (fct_sla_elapsed_stats_periods) carried
    across incremental builds: a period none of whose clocks changed keeps its row.
    A completed clock changes only with its ticket's inputs (events, ticket row,
    account, contracts; an engineer change or as_of moving back changes every ticket):
    a ticket recomputed only because it is not done has the same completed clocks as
    at the previous build. So every period that ends before the earliest outcome
    moment, old or new, of an input-changed ticket's completed clocks is as it was.
    The previous build's newest week start is a bound too: periods that the
    reporting end (as_of, and the current date) has just let in start after it.

    pulse_changed_clocks_from_date(): that first day (a business date), as a scalar
    subquery; null when nothing changed. Only when building incrementally.
-#}
{% macro pulse_changed_clocks_from_date() -%}
    (
        select least(
            (
                select min({{ business_date('recomputed.previous_completed_outcome_at') }})
                from {{ ref('int_sla_recomputed_tickets') }} as recomputed
                where recomputed.has_changed_inputs
            ),
            (
                select min({{ business_date('outcomes.outcome_at') }})
                from {{ ref('fct_sla_outcomes') }} as outcomes
                inner join {{ ref('int_sla_recomputed_tickets') }} as recomputed
                    on outcomes.ticket_id = recomputed.ticket_id
                where recomputed.has_changed_inputs and outcomes.completed_at is not null
            ),
            (
                select max(previous_rows.period_start)
                from {{ this }} as previous_rows
                where previous_rows.period_kind = 'iso_week'
            )
        )
    )
{%- endmacro %}

{#- `and <date> >= the first changed kind period` when building incrementally, else
    nothing; reads the model's one-row CTE `changed_from`. -#}
{% macro pulse_changed_periods_filter(kind, date_expr) -%}
    {%- if is_incremental() %}
    and {{ date_expr }} >= (
        select {{ period_start_of(kind, 'changed_from.from_date') }} from changed_from
    )
    {%- endif %}
{%- endmacro %}

{#-
    dbt's custom incremental strategy `pulse_period_replace`: every row of a period at
    or after the changed clocks' first day is deleted (a period may now have fewer
    groups), and the model's rows, which cover exactly those periods, are inserted.
    The model lists its period kinds in config `period_kinds`. The first day is
    computed once, in a CTE named as the model's (pulse_changed_periods_filter reads it).
-#}
{% macro get_incremental_pulse_period_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    with changed_from as {{ pulse_cte_materialized() }} (
        select {{ pulse_changed_clocks_from_date() }} as from_date
    )
    delete from {{ target }}
    where period_start >= case period_kind
        {%- for kind in config.get('period_kinds') %}
        when '{{ kind }}' then (
            select {{ period_start_of(kind, 'changed_from.from_date') }} from changed_from
        )
        {%- endfor %}
    end;

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
