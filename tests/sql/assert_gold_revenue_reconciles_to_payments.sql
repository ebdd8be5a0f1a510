-- Revenue reconciles to the cent: the gold total_revenue summed over customers equals the sum of every
-- payment in the source. Returns a row (a failure) when they differ.
with gold as (
    select coalesce(sum(total_revenue), 0) as gold_revenue from {{ ref('gold_customer_metrics') }}
),

payments as (
    select coalesce(sum(amount), 0) as payment_revenue from {{ source('pagila', 'payment') }}
)

select gold_revenue, payment_revenue, gold_revenue - payment_revenue as difference
from gold
cross join payments
where gold_revenue <> payment_revenue
