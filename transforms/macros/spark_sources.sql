{#-
    Sources on Spark (docs/SPARK.md): `pulse build --engine spark` exports each landed
    raw table to Parquet (warehouse/pipeline/spark_build.py) and registers it here as
    `raw.<table>`, the name the sources resolve to on Spark (their database is
    `landing` only on DuckDB; dbt-spark accepts no database other than the schema).
-#}

{#-
    `dbt run-operation pulse_spark_register_raw --args '{tables: {name: path}}'`: one
    Spark table over each exported Parquet file, in the schema the sources read.
    Names and paths come from the landing database's catalog and the data directory.
-#}
{% macro pulse_spark_register_raw(tables) -%}
    {%- set schema = 'raw' -%}
    {% do run_query('create database if not exists ' ~ schema) %}
    {%- for name, path in tables.items() %}
        {% do run_query('drop table if exists ' ~ schema ~ '.' ~ name) %}
        {% do run_query('create table ' ~ schema ~ '.' ~ name ~ " using parquet location '" ~ path ~ "'") %}
    {%- endfor %}
{%- endmacro %}
