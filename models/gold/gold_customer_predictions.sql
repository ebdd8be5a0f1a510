{#-
  The predictions of each customer at each scored reference date (the rows of gold_churn_scores): the
  churn probability and its band, and the revenue predicted over the next clv_horizon_months months,
    predicted_revenue = survival_revenue × calibration_factor of the fit and band (gold_clv_model; 1
                        when it has none)
  Grain: (customer_id, reference_date, fit_name). The current fit's row at as_of_date is each customer's
  prediction today: gold_customer_metrics.customer_lifetime_value and gold_customer_churn_risk read it.
-#}

with scores as (
    select * from {{ ref('gold_churn_scores') }}
),

calibration as (
    select fit_name, churn_risk_band, calibration_factor from {{ ref('gold_clv_model') }}
)

select
    md5(scores.customer_id::text || '|' || scores.reference_date::text || '|' || scores.fit_name)::uuid
                                                                                  as customer_prediction_key,
    scores.customer_id,
    scores.reference_date,
    scores.fit_name,
    scores.is_as_of_date,
    scores.is_month_end,
    scores.recency_days,
    scores.churn_probability,
    scores.churn_risk_band,
    scores.main_risk_driver,
    scores.monthly_spend,
    scores.expected_active_months,
    scores.survival_revenue,
    coalesce(calibration.calibration_factor, 1)::numeric(8,4)                     as calibration_factor,
    round(scores.survival_revenue * coalesce(calibration.calibration_factor, 1), 2)::numeric(12,2)
                                                                                  as predicted_revenue,
    scores.revenue_last_horizon,
    scores.churned,
    scores.revenue_next_horizon
from scores
left join calibration
  on calibration.fit_name = scores.fit_name
 and calibration.churn_risk_band = scores.churn_risk_band
