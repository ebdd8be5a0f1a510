{{ config(materialized='view') }}
-- The single platform-wide row, computed from the customer metrics so the two always agree.
select
    count(*)::integer                                                     as total_customers,
    (count(*) filter (where total_rentals > 0))::integer                  as customers_with_rentals,
    (count(*) filter (where total_rentals = 0))::integer                  as customers_without_rentals,
    coalesce(sum(total_revenue), 0)::numeric(12,2)                        as total_revenue,
    coalesce(sum(total_rentals), 0)::bigint                               as total_rentals,
    coalesce(round(avg(total_revenue), 2), 0)::numeric(10,2)              as avg_revenue_per_customer,
    coalesce(sum(customer_lifetime_value), 0)::numeric(14,2)              as total_customer_lifetime_value,
    (count(*) filter (where customer_tier = 'Platinum'))::integer          as platinum_customers,
    (count(*) filter (where customer_tier = 'Gold'))::integer             as gold_customers,
    (count(*) filter (where customer_tier = 'Silver'))::integer           as silver_customers,
    (count(*) filter (where customer_tier = 'Bronze'))::integer           as bronze_customers,
    (count(*) filter (where is_high_value))::integer                      as high_value_customers
from {{ ref('gold_customer_metrics') }}
