-- The history is whole: each customer of gold_customer_metrics has exactly one current version in
-- gold_customer_metrics_history, carrying the same measures and tier; no version ends before it starts.
-- Returns the customers (or versions) that break it.
with current_versions as (
    select * from {{ ref('gold_customer_metrics_history') }} where gl_is_current
),

counted as (
    select customer_id, count(*) as current_versions from current_versions group by customer_id
)

select
    metrics.customer_id,
    'not exactly one current version, or measures differ' as problem
from {{ ref('gold_customer_metrics') }} as metrics
left join counted on counted.customer_id = metrics.customer_id
left join current_versions on current_versions.customer_id = metrics.customer_id
where coalesce(counted.current_versions, 0) <> 1
   or current_versions.total_rentals is distinct from metrics.total_rentals
   or current_versions.total_revenue is distinct from metrics.total_revenue
   or current_versions.customer_tier is distinct from metrics.customer_tier
union all
select customer_id, 'a version ends before it starts'
from {{ ref('gold_customer_metrics_history') }}
where gl_valid_to < gl_valid_from
