{{
    config(
        alias='gl_customer_metrics',
        indexes=[
            {'columns': ['customer_id'], 'unique': true},
            {'columns': ['customer_tier']}
        ]
    )
}}
{#-
  One row per customer of dim_customer as of as_of_date, customers without rentals included with zero
  counts. Rentals and payments are aggregated separately, each to one row per customer, before either is
  joined to the customer: joining both facts first would repeat every payment once per rental.

  customer_lifetime_value is the churn-aware prediction of gold_customer_predictions (the current fit at
  as_of_date): the revenue expected over the next clv_horizon_months months; 0 without rentals.
  gl_created_time is when the customer first appeared in the data (created, or first rented or paid, the
  earliest), gl_updated_time the last time a measure changed (the latest rental or payment, or the
  creation); both UTC, both as of as_of_date, so rebuilds of the same data give the same times.
  snap_customer_metrics keeps the earlier versions of each row (gold_customer_metrics_history).
-#}

with customers as (
    select customer_id, created_date from {{ ref('dim_customer') }}
),

rentals as (
    select
        customer_id,
        count(*)                as total_rentals,
        min(rental_date)        as first_rental_date,
        max(rental_date)        as last_rental_date,
        min(rented_at)          as first_rented_at,
        max(rented_at)          as last_rented_at
    from {{ ref('fct_rental') }}
    group by customer_id
),

payments as (
    select
        customer_id,
        sum(amount)             as total_revenue,
        min(paid_at)            as first_paid_at,
        max(paid_at)            as last_paid_at
    from {{ ref('fct_payment') }}
    group by customer_id
),

rfm as (
    select customer_id, customer_score from {{ ref('gold_customer_rfm') }}
),

predictions as (
    select customer_id, predicted_revenue
    from {{ ref('gold_customer_predictions') }}
    where fit_name = 'current' and is_as_of_date
),

appearances as (
    select
        customers.customer_id,
        least(
            customers.created_date::timestamp,
            (rentals.first_rented_at at time zone 'UTC'),
            (payments.first_paid_at at time zone 'UTC')
        )                                                     as first_seen_at,
        greatest(
            customers.created_date::timestamp,
            (rentals.last_rented_at at time zone 'UTC'),
            (payments.last_paid_at at time zone 'UTC')
        )                                                     as last_changed_at
    from customers
    left join rentals on rentals.customer_id = customers.customer_id
    left join payments on payments.customer_id = customers.customer_id
),

measures as (
    select
        customers.customer_id,
        coalesce(rentals.total_rentals, 0)                    as total_rentals,
        coalesce(payments.total_revenue, 0)                   as total_revenue,
        rentals.first_rental_date,
        rentals.last_rental_date,
        -- Months between the first and the last rental, both days counted; at least one month.
        greatest(
            1,
            coalesce((rentals.last_rental_date - rentals.first_rental_date + 1) / 30.4375, 1)
        )                                                     as active_months,
        coalesce(rfm.customer_score, 0)                       as customer_score,
        coalesce(predictions.predicted_revenue, 0)            as predicted_revenue,
        appearances.first_seen_at,
        appearances.last_changed_at
    from customers
    left join rentals on rentals.customer_id = customers.customer_id
    left join payments on payments.customer_id = customers.customer_id
    left join rfm on rfm.customer_id = customers.customer_id
    left join predictions on predictions.customer_id = customers.customer_id
    left join appearances on appearances.customer_id = customers.customer_id
)

select
    md5('pagila.customer.' || customer_id::text)::uuid                    as gl_customer_metrics_key,
    customer_id::integer                                                  as customer_id,
    total_rentals::integer                                                as total_rentals,
    total_revenue::numeric(10,2)                                          as total_revenue,
    (case
        when total_rentals = 0 then 0
        else round(total_revenue / total_rentals, 2)
    end)::numeric(5,2)                                                    as avg_rental_value,
    last_rental_date::date                                                as last_rental_date,
    first_rental_date::date                                               as first_rental_date,
    predicted_revenue::numeric(10,2)                                      as customer_lifetime_value,
    round(total_rentals / active_months, 2)::numeric(5,2)                 as avg_rentals_per_month,
    customer_score::numeric(8,2)                                          as customer_score,
    ({{ customer_tier('total_revenue') }})::varchar(20)                   as customer_tier,
    ({{ customer_tier('total_revenue') }}) in ('Platinum', 'Gold')        as is_high_value,
    first_seen_at::timestamp                                              as gl_created_time,
    last_changed_at::timestamp                                            as gl_updated_time,
    true                                                                  as gl_is_current
from measures
order by customer_id
