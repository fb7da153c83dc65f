{#-
    The load manifest in numbers, for the data quality page's batches tile: one row
    (also when nothing was loaded yet) with the batches, the rows they read, landed and
    rejected, and how many batches failed or do not reconcile (read <> landed +
    rejected), and the orphaned ticket events. The page lists at most 500 batches
    and 200 orphans; its totals are these, over all.
-#}
with

manifest as (

    select * from {{ ref('fct_dq_load_manifest') }}

),

orphans as (

    select * from {{ ref('fct_dq_orphan_events') }}

),

final as (

    select
        cast(count(*) as bigint) as batch_count,
        cast(coalesce(sum(rows_read), 0) as bigint) as rows_read,
        cast(coalesce(sum(rows_landed), 0) as bigint) as rows_landed,
        cast(coalesce(sum(rows_rejected), 0) as bigint) as rows_rejected,
        coalesce({{ pulse_count_if("status = 'failed'") }}, 0) as failed_batch_count,
        coalesce({{ pulse_count_if('not is_reconciled') }}, 0) as unreconciled_batch_count,
        (select cast(count(*) as bigint) from orphans) as orphan_event_count
    from manifest

)

select * from final
