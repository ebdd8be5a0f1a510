{{
    config(
        indexes=[
            {'columns': ['customer_id'], 'unique': true},
            {'columns': ['customer_tier', 'churn_risk_band']}
        ]
    )
}}
{#-
  Each customer's churn risk today: one row per customer with a rental on or before as_of_date, scored
  by the current fit of gold_churn_model (gold_customer_predictions at as_of_date), with the behaviour
  behind the score, the tier and the lifetime value. "Which Platinum customers are at risk?" is
    where customer_tier = 'Platinum' and churn_risk_band in ('High', 'Very high').

  churn_status  'active' when the last rental is within churn_window_days of as_of_date, else 'lapsed'
                (already churned by the definition, at as_of_date)
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}

with predictions as (
    select * from {{ ref('gold_customer_predictions') }}
    where fit_name = 'current' and is_as_of_date
),

features as (
    select * from {{ ref('gold_customer_features') }}
    where is_as_of_date
),

metrics as (
    select customer_id, customer_tier, total_revenue, customer_lifetime_value from {{ ref('gold_customer_metrics') }}
),

rfm as (
    select customer_id, rfm_segment from {{ ref('gold_customer_rfm') }}
)

select
    predictions.customer_id,
    predictions.reference_date                                                as as_of_date,
    round(100 * predictions.churn_probability)::integer                       as churn_risk_score,
    predictions.churn_probability,
    predictions.churn_risk_band,
    predictions.main_risk_driver,
    (case when features.recency_days <= {{ window_days }} then 'active' else 'lapsed' end)::varchar(10)
                                                                              as churn_status,
    features.last_rental_date,
    features.recency_days,
    features.rentals_total,
    features.rentals_last_90d,
    features.mean_gap_days,
    features.overdue_ratio,
    features.spend_trend,
    features.late_return_share,
    features.monthly_spend,
    metrics.customer_tier,
    rfm.rfm_segment,
    metrics.total_revenue,
    metrics.customer_lifetime_value
from predictions
join features on features.customer_id = predictions.customer_id
join metrics on metrics.customer_id = predictions.customer_id
left join rfm on rfm.customer_id = predictions.customer_id
order by predictions.customer_id
