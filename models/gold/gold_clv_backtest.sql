{#-
  How good the lifetime-value prediction is, measured: the clv_backtest fit (trained only on churn
  windows that ended by the cut-off, as_of_date − clv_horizon_months months) predicts each customer's
  revenue over the next clv_horizon_months months at the cut-off; the payments of those months, which
  end on as_of_date, are the truth. The naive baseline carries the revenue of the months before the
  cut-off (the same length) forward.

  One row per population, always both (is_measured false and null metrics without customers to
  predict; all_customers: a rental on or before the cut-off; active_customers: a rental
  within churn_window_days before it):
    mae_model / mae_naive   mean absolute error per customer of the prediction / of the baseline
    mae_ratio               mae_model / mae_naive: below 1, the model beats carrying the past forward
    *_revenue               totals of the actual revenue, the prediction and the baseline (bias)
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}
{%- set horizon_months = var('clv_horizon_months', 3) | int -%}

with as_of as (
    select {{ shift_months('as_of_date', -horizon_months) }} as cutoff_date from {{ ref('dim_as_of_date') }}
),

population_names (population) as (
    values ('all_customers'), ('active_customers')
),

scored as (
    select customer_id, reference_date, recency_days, predicted_revenue, revenue_last_horizon, revenue_next_horizon
    from {{ ref('gold_customer_predictions') }}
    join as_of on as_of.cutoff_date = reference_date
    where fit_name = 'clv_backtest'
      and revenue_next_horizon is not null
      and predicted_revenue is not null
),

populations as (
    select 'all_customers' as population, scored.* from scored
    union all
    select 'active_customers', scored.* from scored where recency_days <= {{ window_days }}
),

measured as (
    select
        population,
        count(*)                                                              as customers,
        sum(revenue_next_horizon)                                             as actual_revenue,
        sum(predicted_revenue)                                                as predicted_revenue,
        sum(revenue_last_horizon)                                             as naive_revenue,
        avg(abs(predicted_revenue - revenue_next_horizon))                    as mae_model,
        avg(abs(revenue_last_horizon - revenue_next_horizon))                 as mae_naive
    from populations
    group by population
)

select
    population_names.population::varchar(20)                                  as population,
    coalesce(measured.customers > 0 and measured.mae_naive > 0, false)        as is_measured,
    as_of.cutoff_date::date                                                   as cutoff_date,
    {{ shift_months('as_of.cutoff_date', horizon_months) }}                   as horizon_end_date,
    {{ horizon_months }}::integer                                             as horizon_months,
    coalesce(measured.customers, 0)::integer                                  as customers,
    measured.actual_revenue::numeric(14,2)                                    as actual_revenue,
    measured.predicted_revenue::numeric(14,2)                                 as predicted_revenue,
    measured.naive_revenue::numeric(14,2)                                     as naive_revenue,
    round(measured.mae_model, 2)::numeric(10,2)                               as mae_model,
    round(measured.mae_naive, 2)::numeric(10,2)                               as mae_naive,
    round(measured.mae_model / nullif(measured.mae_naive, 0), 4)::numeric(8,4) as mae_ratio
from population_names
cross join as_of
left join measured on measured.population = population_names.population
order by population_names.population
