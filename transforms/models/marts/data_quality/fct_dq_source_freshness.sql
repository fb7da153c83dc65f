-- One row per source table: rows in the warehouse, the newest timestamp in the data,
-- the last batch loaded for it, and how far the newest timestamp lags the build's as_of.

{% set tables = [
    ('helpdesk', 'tickets', 'stg_helpdesk__tickets', 'updated_at'),
    ('helpdesk', 'ticket_events', 'stg_helpdesk__ticket_events', 'event_at'),
    ('helpdesk', 'engineers', 'stg_helpdesk__engineers', 'hired_at'),
    ('helpdesk', 'qa_reviews', 'stg_helpdesk__qa_reviews', 'reviewed_at'),
    ('helpdesk', 'kb_articles', 'stg_helpdesk__kb_articles', 'published_at'),
    ('surveys', 'csat_responses', 'stg_surveys__csat_responses', 'responded_at'),
    ('surveys', 'nps_responses', 'stg_surveys__nps_responses', 'responded_at'),
    ('crm', 'accounts', 'stg_crm__accounts', 'created_at'),
    ('crm', 'contracts', 'stg_crm__contracts', 'start_date'),
    ('crm', 'opportunities', 'stg_crm__opportunities', 'updated_at'),
    ('finance', 'support_costs', 'stg_finance__support_costs', 'cost_month'),
    ('okr', 'okr_manual_values', 'stg_okr__manual_values', none),
] %}

with

manifest as (

    select * from {{ ref('stg_loader__load_manifest') }}

),

tables as (

    {% for source_name, table_name, model, ts in tables %}
        select
            '{{ source_name }}' as source_name,
            '{{ table_name }}' as table_name,
            count(*) as row_count,
            cast({{ 'max(' ~ ts ~ ')' if ts else 'null' }} as timestamp) as max_timestamp
        from {{ ref(model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

loads as (

    select
        entity,
        max(loaded_at) as last_loaded_at,
        count(*) as batches
    from manifest
    where status = 'loaded'
    group by entity

),

final as (

    select
        tables.source_name,
        tables.table_name,
        cast(tables.row_count as bigint) as row_count,
        tables.max_timestamp,
        loads.last_loaded_at,
        cast(coalesce(loads.batches, 0) as bigint) as loaded_batches,
        {{ pulse_as_of() }} as as_of,
        -- rows stamped after as_of (a build --as-of in the past) are not late: 0 h
        cast(
            greatest({{ dbt.datediff('tables.max_timestamp', pulse_as_of(), 'minute') }}, 0)
            / 60.0 as double
        ) as lag_hours
    from tables
    left join loads
        on tables.table_name = loads.entity

)

select * from final
