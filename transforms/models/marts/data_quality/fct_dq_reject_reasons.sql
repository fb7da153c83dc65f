{#-
    Rejected rows per entity and reason, for the data quality page's "rejects by
    reason" grid: the page lists these rows, most rejects first, and counts nothing.
-#}
with

rejects as (

    select * from {{ ref('fct_dq_load_rejects') }}

),

final as (

    select
        {{ dbt.concat(['entity', "'|'", 'reason']) }} as reject_reason_key,
        entity,
        reason,
        cast(count(*) as bigint) as reject_count
    from rejects
    group by entity, reason

)

select * from final
