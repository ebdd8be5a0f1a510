{{ config(materialized='view') }}
{#-
  Every version of every customer's gold_customer_metrics row that the snapshot snap_customer_metrics
  has recorded (key: the customer and the version number), with the gold layer's audit fields: gl_valid_from / gl_valid_to (the as_of_date of the
  build that recorded the version / of the build that recorded the next one; null while current) and
  gl_is_current (true on exactly one version per customer). gl_created_time and gl_updated_time are the
  row's own (first appearance, last change of a measure).
-#}
with versions as (
    select
        snapshot.*,
        -- A rebuild of the same as_of_date with other measures (e.g. moved tier thresholds) closes the
        -- version it replaces at its own start: that zero-length version sorts first.
        row_number() over (
            partition by snapshot.customer_id
            order by snapshot.dbt_valid_from, snapshot.dbt_valid_to nulls last
        ) as version_number
    from {{ ref('snap_customer_metrics') }} as snapshot
)

select
    md5('pagila.customer.' || snapshot.customer_id::text || '.v' || snapshot.version_number::text)::uuid
                                                                           as gl_customer_metrics_history_key,
    snapshot.gl_customer_metrics_key,
    snapshot.customer_id,
    snapshot.version_number::integer                                       as version_number,
    snapshot.total_rentals,
    snapshot.total_revenue,
    snapshot.avg_rental_value,
    snapshot.first_rental_date,
    snapshot.last_rental_date,
    snapshot.customer_lifetime_value,
    snapshot.avg_rentals_per_month,
    snapshot.customer_score,
    snapshot.customer_tier,
    snapshot.is_high_value,
    snapshot.gl_created_time,
    snapshot.gl_updated_time,
    snapshot.dbt_valid_from                                                as gl_valid_from,
    snapshot.dbt_valid_to                                                  as gl_valid_to,
    snapshot.dbt_valid_to is null                                          as gl_is_current
from versions as snapshot
