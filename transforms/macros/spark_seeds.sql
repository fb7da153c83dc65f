{#-
    Seeds on Spark with `method: session`: dbt-spark's session cursor pastes each
    binding into the SQL as '<value>' without escaping (dbt/adapters/spark/session.py,
    `_fix_binding`), so a seed value with an apostrophe ("New Year's Day") breaks the
    insert. This variant writes every value as an escaped Spark literal instead:
    backslashes and quotes escaped, empty cells as null. Seeds are project files,
    never extracts.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {%- set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set col_name = agate_table.column_names[loop.index0] -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ pulse_spark_literal(value) }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {%- endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor %}
    {{ return(statements[0]) }}
{% endmacro %}

{#- A seed cell as a Spark SQL literal (Spark string literals use backslash escapes). -#}
{% macro pulse_spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
