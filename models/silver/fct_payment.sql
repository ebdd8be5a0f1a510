-- One row per payment. A rental may be paid in more than one payment.
with payment as (
    select * from {{ ref('brz_payment') }}
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
