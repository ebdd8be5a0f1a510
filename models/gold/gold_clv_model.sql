{#-
  The lifetime-value calibration, learned: for each fit and churn-risk band, how much of the revenue
  the survival model expected (gold_churn_scores.survival_revenue) customers of that band did bring in
  over the clv_horizon_months months that followed. It corrects what the survival model leaves out: a
  customer cooling off spends less while still renting.

  Training rows of a fit: its scored month ends whose horizon had ended by the fit's date
  (current: by as_of_date; clv_backtest: by the lifetime-value cut-off). Per (fit_name, band):
    calibration_factor = (actual + 20 × mean survival_revenue) / (survival + 20 × mean survival_revenue)
  i.e. the band's actual / expected, pulled towards 1 as if 20 more customers had matched the
  expectation. A band or fit without training rows has no row here, and a factor of 1.
-#}
{%- set horizon_months = var('clv_horizon_months', 3) | int -%}
{%- set window_days = var('churn_window_days', 60) | int -%}

with as_of as (
    select as_of_date from {{ ref('dim_as_of_date') }}
),

fits as (
    select 'current' as fit_name, as_of_date as fit_date from as_of
    union all
    select 'clv_backtest', {{ shift_months('as_of_date', -horizon_months) }} from as_of
),

training as (
    select fits.fit_name, fits.fit_date, scores.churn_risk_band, scores.survival_revenue, scores.revenue_next_horizon
    from fits
    join {{ ref('gold_churn_scores') }} as scores
      on scores.fit_name = fits.fit_name
     and scores.is_month_end
     and {{ shift_months('scores.reference_date', horizon_months) }} <= fits.fit_date
    where scores.revenue_next_horizon is not null
      and scores.survival_revenue is not null
),

bands as (
    select
        fit_name,
        min(fit_date)                       as fit_date,
        churn_risk_band,
        count(*)                            as training_rows,
        sum(revenue_next_horizon)           as actual_revenue,
        sum(survival_revenue)               as survival_revenue,
        avg(survival_revenue)               as mean_survival_revenue
    from training
    group by fit_name, churn_risk_band
)

select
    md5(fit_name || '|' || churn_risk_band)::uuid                                      as clv_model_key,
    fit_name::varchar(20)                                                              as fit_name,
    fit_date::date                                                                     as fit_date,
    churn_risk_band,
    training_rows::integer                                                             as training_rows,
    actual_revenue::numeric(14,2)                                                      as actual_revenue,
    survival_revenue::numeric(14,2)                                                    as survival_revenue,
    coalesce(
        round((actual_revenue + 20 * mean_survival_revenue) / nullif(survival_revenue + 20 * mean_survival_revenue, 0), 4),
        1
    )::numeric(8,4)                                                                    as calibration_factor
from bands
order by fit_name, churn_risk_band
