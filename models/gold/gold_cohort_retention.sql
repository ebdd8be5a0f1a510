{{
    config(
        indexes=[
            {'columns': ['cohort_month', 'months_since_acquisition'], 'unique': true}
        ]
    )
}}
{#-
  Monthly acquisition cohorts: customers by the month of their first rental, followed month by month to
  the month of as_of_date. Grain: (cohort_month, months_since_acquisition), 0 being the cohort month.

  cohort_customers                  customers whose first rental is in cohort_month
  active_customers                  of them, those with a rental in activity_month
  retention_rate                    active_customers / cohort_customers (1 in month 0)
  revenue                           their payments in activity_month (a payment dated before the first
                                    rental counts in month 0, so the cohorts' revenue adds up)
  cumulative_revenue_per_customer   their payments from month 0 to this month / cohort_customers
  is_complete                       activity_month ended on or before as_of_date
-#}

with months as (
    select month_start, month_number, is_complete from {{ ref('dim_month') }}
),

cohort_members as (
    select customer_id, date_trunc('month', min(rental_date))::date as cohort_month
    from {{ ref('fct_rental') }}
    group by customer_id
),

cohorts as (
    select cohort_month, count(*) as cohort_customers
    from cohort_members
    group by cohort_month
),

grid as (
    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        months.month_start                                       as activity_month,
        months.month_number - cohort_months.month_number         as months_since_acquisition,
        months.is_complete
    from cohorts
    join months as cohort_months on cohort_months.month_start = cohorts.cohort_month
    join months on months.month_start >= cohorts.cohort_month
),

activity as (
    select
        cohort_members.cohort_month,
        date_trunc('month', rentals.rental_date)::date           as activity_month,
        count(distinct rentals.customer_id)                      as active_customers
    from {{ ref('fct_rental') }} as rentals
    join cohort_members on cohort_members.customer_id = rentals.customer_id
    group by 1, 2
),

revenue as (
    select
        cohort_members.cohort_month,
        greatest(cohort_members.cohort_month, date_trunc('month', payments.payment_date)::date) as activity_month,
        sum(payments.amount)                                     as revenue
    from {{ ref('fct_payment') }} as payments
    join cohort_members on cohort_members.customer_id = payments.customer_id
    group by 1, 2
),

joined as (
    select
        grid.*,
        coalesce(activity.active_customers, 0)                   as active_customers,
        coalesce(revenue.revenue, 0)                             as revenue
    from grid
    left join activity
      on activity.cohort_month = grid.cohort_month and activity.activity_month = grid.activity_month
    left join revenue
      on revenue.cohort_month = grid.cohort_month and revenue.activity_month = grid.activity_month
)

select
    md5(cohort_month::text || '|' || months_since_acquisition::text)::uuid                     as cohort_retention_key,
    cohort_month,
    months_since_acquisition::integer                                                         as months_since_acquisition,
    activity_month,
    is_complete,
    cohort_customers::integer                                                                 as cohort_customers,
    active_customers::integer                                                                 as active_customers,
    round(active_customers::numeric / cohort_customers, 4)::numeric(6,4)                      as retention_rate,
    revenue::numeric(12,2)                                                                    as revenue,
    (sum(revenue) over (partition by cohort_month order by months_since_acquisition))::numeric(14,2)
                                                                                              as cumulative_revenue,
    round(sum(revenue) over (partition by cohort_month order by months_since_acquisition) / cohort_customers, 2)::numeric(10,2)
                                                                                              as cumulative_revenue_per_customer
from joined
order by cohort_month, months_since_acquisition
