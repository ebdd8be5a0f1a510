-- Revenue reconciles to the cent: the gold total_revenue summed over customers equals the sum of every
-- payment in the source made on or before as_of_date (dim_as_of_date). Returns a row (a failure) when
-- they differ.
with gold as (
    select coalesce(sum(total_revenue), 0) as gold_revenue from {{ ref('gold_customer_metrics') }}
),

payments as (
    select coalesce(sum(payment.amount), 0) as payment_revenue
    from {{ source('pagila', 'payment') }} as payment
    where payment.payment_date < (select as_of_end_at from {{ ref('dim_as_of_date') }})
)

select gold_revenue, payment_revenue, gold_revenue - payment_revenue as difference
from gold
cross join payments
where gold_revenue <> payment_revenue
