{#-
    Data tests on an incremental build follow the change (issue 16 item 3; DECISIONLOG
    "Data tests on an incremental build").

    A model built with the pulse_ticket_replace strategy carries every ticket outside
    int_sla_recomputed_tickets unchanged from the previous build, whose tests passed
    on those very rows. So on an incremental build the tests of such a model that cost
    a hash over the whole table (uniqueness, relationships, anything else not in the
    list below) read the recomputed tickets' rows only:
    - by ticket: `ticket_id in (recomputed tickets)`;
    - a uniqueness test whose key does not contain ticket_id (event_id, say) reads
      every row sharing a key with a recomputed ticket's row, so a clash between a
      new row and a carried one is still caught, by a semi-join (IN for one column,
      EXISTS for several) rather than a group-by over the table.
    The single-pass column checks (not_null, pulse_not_null, pulse_column_values,
    not_before) keep reading the whole table: they are the cheap whole-table
    invariants, and a carried row that breaks one means the carry itself is wrong.

    Only models that ref int_sla_recomputed_tickets qualify (every pulse_ticket_replace
    model does, through its filter): dbt runs a test after its model, so the set the
    test reads is this build's. A model built before the set (the staging views, the
    event models) would have its tests read the previous build's set, so they have
    conditions of their own (2026-12-08):
    - the event models (delete+insert on ticket_id, with the watermark columns): this
      build wrote its rows with its own as_of, the newest built_as_of in the table (an
      unchanged as_of reads the previous build's rows too: more, never fewer);
    - the staging views the set reads directly (events, tickets, accounts, contracts,
      engineers), which have source_batch_id: the rows of batches newer than the
      previous build's watermark. That watermark is the set's as the previous build
      left it: dbt build runs a model's tests before any model downstream of it, so
      the set is rebuilt only after these tests. Loaded rows never change but by a
      newer batch (the loader upserts with the new batch id), and a landing that is
      not the published build's makes the build full. Their keys are not ticket-wide
      replacements, so a uniqueness test always takes the semi-join.

    dbt calls get_where_subquery for the `model` argument of every generic test; this
    root-project macro replaces dbt's and keeps its `where` config (both apply).
-#}

{#- Generic tests that stay whole-table on every build: one pass, no hash over the table. -#}
{% macro pulse_whole_table_tests() -%}
    {{ return(['not_null', 'pulse_not_null', 'pulse_column_values', 'not_before']) }}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set changed = pulse_changed_rows_condition(relation) -%}
    {%- if changed -%}
        {%- do conditions.append(changed) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} as tested_rows where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The condition restricting this test to the rows this build changed, or ''. -#}
{% macro pulse_changed_rows_condition(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or not pulse_tests_follow_the_change() -%}
        {{ return('') }}
    {%- endif -%}
    {#- `model` here is the test node being compiled -#}
    {%- set attached = model.get('attached_node') -%}
    {%- set metadata = model.get('test_metadata') or {} -%}
    {%- if not attached or attached not in graph.nodes or not metadata -%}
        {{ return('') }}
    {%- endif -%}
    {%- if metadata.get('name') in pulse_whole_table_tests() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tested = graph.nodes[attached] -%}
    {%- set recomputed_id = 'model.pulse.int_sla_recomputed_tickets' -%}
    {%- set recomputed_node = graph.nodes[recomputed_id] -%}
    {%- set recomputed = api.Relation.create(
        database=recomputed_node.database,
        schema=recomputed_node.schema,
        identifier=recomputed_node.alias
    ) -%}
    {%- set materialized = tested.config.get('materialized') -%}
    {%- set strategy = tested.config.get('incremental_strategy') -%}
    {#- changed: the changed rows' condition, starting with a column of the tested rows -#}
    {%- if materialized == 'incremental' and strategy == 'pulse_ticket_replace'
        and recomputed_id in tested.depends_on.nodes -%}
        {%- set changed = 'ticket_id in (select recomputed.ticket_id from ' ~ recomputed ~ ' as recomputed)' -%}
        {%- set replaces_whole_tickets = true -%}
    {%- elif materialized == 'incremental' and strategy == 'delete+insert'
        and tested.config.get('unique_key') == 'ticket_id' and 'built_as_of' in tested.columns -%}
        {%- set changed = 'built_as_of = (select max(written.built_as_of) from ' ~ relation ~ ' as written)' -%}
        {%- set replaces_whole_tickets = true -%}
    {%- elif materialized == 'view' and 'source_batch_id' in tested.columns
        and attached in recomputed_node.depends_on.nodes -%}
        {%- set changed = (
            'source_batch_id > (select max(previous.built_through_batch_id) from '
            ~ recomputed ~ ' as previous)'
        ) -%}
        {%- set replaces_whole_tickets = false -%}
    {%- else -%}
        {{ return('') }}
    {%- endif -%}
    {%- set kwargs = metadata.get('kwargs') or {} -%}
    {%- if metadata.get('name') == 'unique' -%}
        {%- set key = [kwargs.get('column_name')] -%}
    {%- elif metadata.get('name') == 'pulse_unique_combination' -%}
        {%- set key = kwargs.get('columns') or [] -%}
    {%- else -%}
        {%- set key = [] -%}
    {%- endif -%}
    {#- a key within one ticket, in a model that replaces whole tickets: a clash can only
        be among the rewritten rows -#}
    {%- if key and not (replaces_whole_tickets and 'ticket_id' in key) -%}
        {%- for column in key -%}
            {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', column) -%}
                {#- an expression as key: read the whole table -#}
                {{ return('') }}
            {%- endif -%}
        {%- endfor -%}
        {%- set changed_keys = relation ~ ' as changed_rows where changed_rows.' ~ changed -%}
        {%- if key | length == 1 -%}
            {#- one column: an uncorrelated IN, a hash semi-join (dbt's unique skips nulls) -#}
            {{ return(
                'tested_rows.' ~ key[0] ~ ' in (select changed_rows.' ~ key[0]
                ~ ' from ' ~ changed_keys ~ ')'
            ) }}
        {%- endif -%}
        {%- set matches = [] -%}
        {%- for column in key -%}
            {%- do matches.append(
                'changed_rows.' ~ column ~ ' is not distinct from tested_rows.' ~ column
            ) -%}
        {%- endfor -%}
        {{ return(
            'exists (select 1 from ' ~ changed_keys ~ ' and ' ~ matches | join(' and ') ~ ')'
        ) }}
    {%- endif -%}
    {{ return('tested_rows.' ~ changed) }}
{%- endmacro %}

{#-
    Whether tests may follow the change on this engine: on Spark the per-ticket models
    are tables rebuilt in full (pulse_ticket_incremental_materialization), so every
    test reads the whole table there.
-#}
{% macro pulse_tests_follow_the_change() -%}
    {{ return(adapter.dispatch('pulse_tests_follow_the_change', 'pulse')()) }}
{%- endmacro %}

{% macro default__pulse_tests_follow_the_change() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__pulse_tests_follow_the_change() -%}
    {{ return(false) }}
{%- endmacro %}
