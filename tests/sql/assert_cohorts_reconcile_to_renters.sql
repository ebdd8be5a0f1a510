-- Cohorts add up: every customer who rented is in exactly one cohort (the cohort sizes sum to the
-- customers of fct_rental), each cohort is fully active in its month 0, and the cohorts' revenue sums to
-- the payments of the customers who rented. Returns a row naming each check that fails.
with cohort_sizes as (
    select
        coalesce(sum(cohort_customers), 0)                                        as cohort_customers,
        count(*) filter (where active_customers <> cohort_customers)              as cohorts_not_active_in_month_0
    from {{ ref('gold_cohort_retention') }}
    where months_since_acquisition = 0
),

renters as (
    select count(distinct customer_id) as renters from {{ ref('fct_rental') }}
),

cohort_revenue as (
    select coalesce(sum(revenue), 0) as cohort_revenue from {{ ref('gold_cohort_retention') }}
),

renter_revenue as (
    select coalesce(sum(amount), 0) as renter_revenue
    from {{ ref('fct_payment') }}
    where customer_id in (select customer_id from {{ ref('fct_rental') }})
)

select 'cohort sizes sum to the renters' as failed_check, cohort_customers::numeric as found, renters::numeric as expected
from cohort_sizes cross join renters
where cohort_customers <> renters
union all
select 'every cohort is active in month 0', cohorts_not_active_in_month_0, 0
from cohort_sizes
where cohorts_not_active_in_month_0 > 0
union all
select 'cohort revenue sums to the renters'' payments', cohort_revenue, renter_revenue
from cohort_revenue cross join renter_revenue
where cohort_revenue <> renter_revenue
