-- One row per payment made on or before as_of_date (dim_as_of_date). A rental may be paid in more than
-- one payment.
with payment as (
    select * from {{ ref('brz_payment') }}
),

as_of as (
    select as_of_end_at from {{ ref('dim_as_of_date') }}
)

select
    payment.payment_id,
    payment.customer_id,
    payment.rental_id,
    payment.staff_id,
    payment.amount,
    payment.amount = 0                                            as is_zero_amount,
    payment.paid_at,
    (payment.paid_at at time zone 'UTC')::date                    as payment_date
from payment
cross join as_of
where payment.paid_at < as_of.as_of_end_at
