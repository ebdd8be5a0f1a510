-- The segment summary adds up: its customers, revenue and lifetime value sum to gold_customer_metrics'.
-- Returns a row when they do not.
with segments as (
    select coalesce(sum(customers), 0) as customers, coalesce(sum(total_revenue), 0) as revenue,
           coalesce(sum(total_lifetime_value), 0) as lifetime_value
    from {{ ref('gold_customer_segments') }}
),

metrics as (
    select count(*) as customers, coalesce(sum(total_revenue), 0) as revenue,
           coalesce(sum(customer_lifetime_value), 0) as lifetime_value
    from {{ ref('gold_customer_metrics') }}
)

select
    segments.customers as segment_customers, metrics.customers as metric_customers,
    segments.revenue as segment_revenue, metrics.revenue as metric_revenue,
    segments.lifetime_value as segment_lifetime_value, metrics.lifetime_value as metric_lifetime_value
from segments
cross join metrics
where segments.customers <> metrics.customers
   or segments.revenue <> metrics.revenue
   or segments.lifetime_value <> metrics.lifetime_value
