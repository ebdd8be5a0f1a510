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
  One row per customer of dim_customer, customers without rentals included with zero counts.
  Rentals and payments are aggregated separately, each to one row per customer, before either is
  joined to the customer: joining both facts first would repeat every payment once per rental.
-#}

with customers as (
    select customer_id from {{ ref('dim_customer') }}
),

rentals as (
    select
        customer_id,
        count(*)                as total_rentals,
        min(rental_date)        as first_rental_date,
        max(rental_date)        as last_rental_date
    from {{ ref('fct_rental') }}
    group by customer_id
),

payments as (
    select
        customer_id,
        sum(amount)             as total_revenue
    from {{ ref('fct_payment') }}
    group by customer_id
),

rfm as (
    select customer_id, customer_score from {{ ref('gold_customer_rfm') }}
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
        coalesce(rfm.customer_score, 0)                       as customer_score
    from customers
    left join rentals on rentals.customer_id = customers.customer_id
    left join payments on payments.customer_id = customers.customer_id
    left join rfm on rfm.customer_id = customers.customer_id
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
    round(total_revenue / active_months * {{ var('clv_horizon_months', 24) }}, 2)::numeric(10,2)
                                                                          as customer_lifetime_value,
    round(total_rentals / active_months, 2)::numeric(5,2)                 as avg_rentals_per_month,
    customer_score::numeric(8,2)                                          as customer_score,
    ({{ customer_tier('total_revenue') }})::varchar(20)                   as customer_tier,
    ({{ customer_tier('total_revenue') }}) in ('Platinum', 'Gold')        as is_high_value,
    (now() at time zone 'UTC')::timestamp                                 as gl_created_time,
    (now() at time zone 'UTC')::timestamp                                 as gl_updated_time,
    true                                                                  as gl_is_current
from measures
order by customer_id
