-- KPI revenue reconciles to the cent, month by month: the revenue of each month of gold_kpi_monthly
-- equals the payments of the source (not the silver facts) made in that month on or before as_of_date,
-- and no month with payments is missing. Returns the months that differ.
with as_of as (
    select as_of_end_at from {{ ref('dim_as_of_date') }}
),

payments as (
    select
        date_trunc('month', payment.payment_date at time zone 'UTC')::date as month_start,
        sum(payment.amount)                                               as payment_revenue
    from {{ source('pagila', 'payment') }} as payment
    cross join as_of
    where payment.payment_date < as_of.as_of_end_at
    group by 1
),

kpis as (
    select month_start, revenue from {{ ref('gold_kpi_monthly') }}
)

select
    coalesce(kpis.month_start, payments.month_start)                      as month_start,
    kpis.revenue                                                          as kpi_revenue,
    payments.payment_revenue
from kpis
full outer join payments on payments.month_start = kpis.month_start
where coalesce(kpis.revenue, 0) <> coalesce(payments.payment_revenue, 0)
