-- One row per payment (partitioned by month on a real Pagila database: the parent table reads all).
select
    payment_id::integer             as payment_id,
    customer_id::integer            as customer_id,
    staff_id::integer               as staff_id,
    rental_id::integer              as rental_id,
    amount::numeric(5,2)            as amount,
    payment_date::timestamptz       as paid_at
from {{ source('pagila', 'payment') }}
