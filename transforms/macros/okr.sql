{#-
    Macros of the OKR intermediate models (models/intermediate/okr).
-#}

{#-
    The last step of every int_okr_actuals_* model of monthly facts: the facts summed to
    one row per key result, month and breakdown values (support tier, segment, region),
    so int_okr_actuals_unioned sums a few rows per month into its periods. `facts` is the
    model's CTE of monthly facts, with the columns kr_id, month_start, support_tier,
    segment, region, numerator and denominator. Plain sum / group by: portable as is.
-#}
{% macro okr_monthly_totals(facts) -%}
    select
        kr_id,
        month_start,
        support_tier,
        segment,
        region,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from {{ facts }}
    group by kr_id, month_start, support_tier, segment, region
{%- endmacro %}
