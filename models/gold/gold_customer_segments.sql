{#-
  The customer base cut by tier × RFM segment × country, as of as_of_date: one row per combination that
  has customers (every customer of gold_customer_metrics in exactly one row; a customer without an
  address's country is in 'Unknown').

  customers / customers_with_rentals   customers in the cut / those with a rental
  total_revenue, avg_revenue           their payments, and per customer
  total_lifetime_value                 the sum of customer_lifetime_value (the next clv_horizon_months)
  avg_churn_probability                mean churn probability of the customers with rentals
  at_risk_customers                    customers in churn-risk band High or Very high
-#}

with metrics as (
    select customer_id, customer_tier, total_revenue, total_rentals, customer_lifetime_value
    from {{ ref('gold_customer_metrics') }}
),

customers as (
    select customer_id, coalesce(country_name, 'Unknown') as country_name from {{ ref('dim_customer') }}
),

rfm as (
    select customer_id, rfm_segment from {{ ref('gold_customer_rfm') }}
),

risk as (
    select customer_id, churn_probability, churn_risk_band from {{ ref('gold_customer_churn_risk') }}
)

select
    md5(metrics.customer_tier || '|' || rfm.rfm_segment || '|' || customers.country_name)::uuid     as customer_segment_key,
    metrics.customer_tier,
    rfm.rfm_segment,
    customers.country_name::varchar(50)                                                            as country_name,
    count(*)::integer                                                                              as customers,
    (count(*) filter (where metrics.total_rentals > 0))::integer                                   as customers_with_rentals,
    sum(metrics.total_revenue)::numeric(12,2)                                                      as total_revenue,
    round(avg(metrics.total_revenue), 2)::numeric(10,2)                                            as avg_revenue,
    sum(metrics.customer_lifetime_value)::numeric(12,2)                                            as total_lifetime_value,
    round(avg(risk.churn_probability), 4)::numeric(6,4)                                            as avg_churn_probability,
    (count(*) filter (where risk.churn_risk_band in ('High', 'Very high')))::integer               as at_risk_customers
from metrics
join customers on customers.customer_id = metrics.customer_id
join rfm on rfm.customer_id = metrics.customer_id
left join risk on risk.customer_id = metrics.customer_id
group by metrics.customer_tier, rfm.rfm_segment, customers.country_name
order by metrics.customer_tier, rfm.rfm_segment, customers.country_name
