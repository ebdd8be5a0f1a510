{#-
  Calibration of the churn back-test by risk band: among the customers the churn_backtest fit put in a
  band at the cut-off, the mean predicted churn probability next to the share that did churn in the
  window that followed. A calibrated score has the two close in every band. Populations as in
  gold_churn_backtest; one row per (population, churn_risk_band) that has customers.
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}

with scored as (
    select customer_id, recency_days, churn_probability, churn_risk_band, churned
    from {{ ref('gold_customer_predictions') }}
    where fit_name = 'churn_backtest'
      and churned is not null
      and churn_probability is not null
),

populations as (
    select 'all_customers' as population, scored.* from scored
    union all
    select 'active_customers', scored.* from scored where recency_days <= {{ window_days }}
)

select
    md5(population || '|' || churn_risk_band)::uuid                                      as churn_calibration_key,
    population::varchar(20)                                                               as population,
    churn_risk_band,
    (case churn_risk_band
        when 'Very low' then 1 when 'Low' then 2 when 'Medium' then 3 when 'High' then 4 else 5
    end)::integer                                                                         as band_order,
    count(*)::integer                                                                     as customers,
    (count(*) filter (where churned))::integer                                            as churners,
    round(avg(churn_probability), 4)::numeric(6,4)                                        as predicted_churn_rate,
    round(avg(case when churned then 1.0 else 0.0 end), 4)::numeric(6,4)                  as observed_churn_rate,
    round(avg(case when churned then 1.0 else 0.0 end) - avg(churn_probability), 4)::numeric(6,4)
                                                                                          as calibration_error
from populations
group by population, churn_risk_band
order by population, band_order
