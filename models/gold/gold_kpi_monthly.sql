{{
    config(
        indexes=[
            {'columns': ['month_start'], 'unique': true}
        ]
    )
}}
{#-
  The customer KPIs, one row per month of dim_month (the month of a mid-month as_of_date is partial:
  is_complete false), each with its change from the previous month (value / previous − 1; null when the
  previous month is 0 or absent). Data tests watch the changes (a warning past
  var('kpi_change_warn_threshold')) and reconcile revenue to the payments (an error).

  active_customers             customers with a rental in the month
  new_customers                customers whose first rental is in the month
  churned_customers            customers who became churned in the month: their churn date, a rental
                               followed by no other within churn_window_days, plus those days, falls in
                               the month (and on or before as_of_date)
  revenue                      payments made in the month
  revenue_per_active_customer  revenue / active_customers
  high_value_share             customers whose payments to the month end reach the Gold threshold
                               (var tier_gold_min_revenue), among customers with a rental by then
  predicted_clv_total          the sum of predicted_revenue at the month end (as_of_date for a partial
                               month) of gold_customer_predictions' current fit: every month restated
                               with today's model
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}

with as_of as (
    select as_of_date from {{ ref('dim_as_of_date') }}
),

months as (
    select month_start, month_end, is_complete, days_observed from {{ ref('dim_month') }}
),

rentals as (
    select customer_id, rental_date from {{ ref('fct_rental') }}
),

payments as (
    select customer_id, payment_date, amount from {{ ref('fct_payment') }}
),

active as (
    select date_trunc('month', rental_date)::date as month_start, count(distinct customer_id) as active_customers
    from rentals
    group by 1
),

first_rentals as (
    select customer_id, min(rental_date) as first_rental_date from rentals group by customer_id
),

new_customers as (
    select date_trunc('month', first_rental_date)::date as month_start, count(*) as new_customers
    from first_rentals
    group by 1
),

next_rentals as (
    select
        customer_id,
        rental_date,
        lead(rental_date) over (partition by customer_id order by rental_date) as next_rental_date
    from rentals
),

churn_events as (
    select date_trunc('month', next_rentals.rental_date + {{ window_days }})::date as month_start, count(*) as churned_customers
    from next_rentals
    cross join as_of
    where (next_rentals.next_rental_date is null or next_rentals.next_rental_date > next_rentals.rental_date + {{ window_days }})
      and next_rentals.rental_date + {{ window_days }} <= as_of.as_of_date
    group by 1
),

revenue as (
    select date_trunc('month', payment_date)::date as month_start, sum(amount) as revenue
    from payments
    group by 1
),

customer_months as (
    select
        months.month_start,
        count(distinct first_rentals.customer_id)                                   as customers_with_rentals
    from months
    join first_rentals on first_rentals.first_rental_date <= months.month_end
    group by months.month_start
),

running_spend as (
    select
        customer_id,
        payment_date,
        sum(amount) over (partition by customer_id order by payment_date, amount rows unbounded preceding) as spend_to_date
    from payments
),

high_value_since as (
    -- The day a customer's payments to date first reached the Gold threshold.
    select customer_id, min(payment_date) as high_value_date
    from running_spend
    where spend_to_date >= {{ var('tier_gold_min_revenue', 50) }}
    group by customer_id
),

high_value as (
    select months.month_start, count(*) as high_value_customers
    from months
    join high_value_since on high_value_since.high_value_date <= months.month_end
    group by months.month_start
),

predicted as (
    select months.month_start, sum(predictions.predicted_revenue) as predicted_clv_total
    from months
    cross join as_of
    join {{ ref('gold_customer_predictions') }} as predictions
      on predictions.fit_name = 'current'
     and predictions.reference_date = least(months.month_end, as_of.as_of_date)
    group by months.month_start
),

kpis as (
    select
        months.month_start,
        months.month_end,
        months.is_complete,
        months.days_observed,
        coalesce(active.active_customers, 0)                                        as active_customers,
        coalesce(new_customers.new_customers, 0)                                    as new_customers,
        coalesce(churn_events.churned_customers, 0)                                 as churned_customers,
        coalesce(revenue.revenue, 0)                                                as revenue,
        coalesce(revenue.revenue, 0) / nullif(active.active_customers, 0)           as revenue_per_active_customer,
        coalesce(high_value.high_value_customers, 0)::numeric
            / nullif(customer_months.customers_with_rentals, 0)                     as high_value_share,
        predicted.predicted_clv_total
    from months
    left join active on active.month_start = months.month_start
    left join new_customers on new_customers.month_start = months.month_start
    left join churn_events on churn_events.month_start = months.month_start
    left join revenue on revenue.month_start = months.month_start
    left join customer_months on customer_months.month_start = months.month_start
    left join high_value on high_value.month_start = months.month_start
    left join predicted on predicted.month_start = months.month_start
)

select
    month_start,
    month_end,
    is_complete,
    days_observed,
    active_customers::integer                                                        as active_customers,
    new_customers::integer                                                           as new_customers,
    churned_customers::integer                                                       as churned_customers,
    revenue::numeric(12,2)                                                           as revenue,
    round(revenue_per_active_customer, 2)::numeric(10,2)                             as revenue_per_active_customer,
    round(high_value_share, 4)::numeric(6,4)                                         as high_value_share,
    predicted_clv_total::numeric(14,2)                                               as predicted_clv_total,
    {%- for kpi in ['active_customers', 'new_customers', 'churned_customers', 'revenue', 'revenue_per_active_customer', 'high_value_share', 'predicted_clv_total'] %}
    round(({{ kpi }}::numeric / nullif(lag({{ kpi }}) over (order by month_start), 0) - 1), 4)::numeric(10,4)
                                                                                     as {{ kpi }}_change{{ ',' if not loop.last }}
    {%- endfor %}
from kpis
order by month_start
