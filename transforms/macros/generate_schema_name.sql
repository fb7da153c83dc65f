{#-
    Custom schemas are used as named (staging, intermediate, reference) instead of
    being prefixed with the target schema, and marts land in the target schema
    (`main`), so the dashboard reads `main.fct_tickets` whatever the target.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
