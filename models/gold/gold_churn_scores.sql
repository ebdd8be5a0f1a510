{#-
  Each customer's churn probability at the reference dates of gold_customer_features, scored with a
  fit of gold_churn_model that saw nothing after the fit's date; and the revenue a survival model
  expects before it is calibrated (gold_clv_model).

  Grain: (customer_id, reference_date, fit_name). Rows scored by each fit:
    current         every month end and as_of_date (the month ends are restated with today's model:
                    the monthly KPIs and the lifetime-value calibration read them)
    churn_backtest  the churn back-test cut-off
    clv_backtest    the lifetime-value back-test cut-off, and the month ends whose horizon ended by it
                    (the rows its calibration learns from)

  churn_probability       sigmoid(logit(base_rate) + evidence_weight × Σ points of the customer's bins)
  churn_risk_band         Very high ≥ 0.75 > High ≥ 0.5 > Medium ≥ 0.25 > Low ≥ 0.1 > Very low
  main_risk_driver        the feature whose bin adds the most points (null when none adds any; on a tie
                          the first of recency, frequency, gap, spend_trend, late_return)
  expected_active_months  a customer stays from one month to the next with probability
                          r = (1 − churn_probability)^(30.4375 / churn_window_days), so over a horizon of
                          H months they are expected active for ∫0^H r^m dm = (1 − r^H) / −ln r months
  survival_revenue        monthly_spend × expected_active_months
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}
{%- set horizon_months = var('clv_horizon_months', 3) | int -%}
{%- set features = ['recency', 'frequency', 'gap', 'spend_trend', 'late_return'] -%}

with as_of as (
    select
        as_of_date,
        as_of_date - {{ window_days }}                          as churn_cutoff_date,
        {{ shift_months('as_of_date', -horizon_months) }}       as clv_cutoff_date
    from {{ ref('dim_as_of_date') }}
),

features as (
    select * from {{ ref('gold_customer_features') }}
),

model as (
    select fit_name, feature, bin, points::float8 as points from {{ ref('gold_churn_model') }}
),

fits as (
    select distinct fit_name, base_rate::float8 as base_rate, evidence_weight::float8 as evidence_weight
    from {{ ref('gold_churn_model') }}
),

scored_rows as (
    select features.*, 'current'::text as fit_name
    from features
    where features.is_month_end or features.is_as_of_date
    union all
    select features.*, 'churn_backtest'
    from features
    join as_of on features.reference_date = as_of.churn_cutoff_date
    union all
    select features.*, 'clv_backtest'
    from features
    join as_of
      on features.reference_date = as_of.clv_cutoff_date
      or (features.is_month_end and {{ shift_months('features.reference_date', horizon_months) }} <= as_of.clv_cutoff_date)
),

probabilities as (
    select
        scored_rows.*,
        {% for feature in features -%}
        coalesce({{ feature }}_points.points, 0){{ ' +' if not loop.last }}
        {% endfor -%}
        as total_points,
        -- The feature adding the most points (the first in this order on a tie); none when none adds any.
        case
            {%- for feature in features %}
            when coalesce({{ feature }}_points.points, 0) > 0
             and coalesce({{ feature }}_points.points, 0) = greatest({% for other in features %}coalesce({{ other }}_points.points, 0){{ ', ' if not loop.last }}{% endfor %})
                then '{{ feature }}'
            {%- endfor %}
        end                                                                       as main_risk_driver,
        fits.base_rate,
        fits.evidence_weight
    from scored_rows
    left join fits on fits.fit_name = scored_rows.fit_name
    {%- for feature in features %}
    left join model as {{ feature }}_points
      on {{ feature }}_points.fit_name = scored_rows.fit_name
     and {{ feature }}_points.feature = '{{ feature }}'
     and {{ feature }}_points.bin = scored_rows.{{ feature }}_bin
    {%- endfor %}
),

probabilities_scored as (
    select
        probabilities.*,
        1 / (1 + exp(-(ln(base_rate / (1 - base_rate)) + evidence_weight * total_points))) as churn_probability
    from probabilities
),

retention as (
    select
        probabilities_scored.*,
        power(1 - least(0.999, churn_probability), 30.4375 / {{ window_days }})   as monthly_retention
    from probabilities_scored
),

expected as (
    select
        retention.*,
        case
            when monthly_retention is null then null
            when monthly_retention >= 0.999999 then {{ horizon_months }}
            else (1 - power(monthly_retention, {{ horizon_months }})) / -ln(monthly_retention)
        end                                                                       as expected_active_months
    from retention
)

select
    md5(customer_id::text || '|' || reference_date::text || '|' || fit_name)::uuid as churn_score_key,
    customer_id::integer                                                          as customer_id,
    reference_date::date                                                          as reference_date,
    fit_name::varchar(20)                                                         as fit_name,
    is_as_of_date,
    is_month_end,
    recency_days,
    rentals_last_90d,
    monthly_spend,
    round(total_points::numeric, 4)::numeric(8,4)                                 as total_points,
    round(churn_probability::numeric, 4)::numeric(6,4)                            as churn_probability,
    (case
        when churn_probability is null then null
        when churn_probability >= 0.75 then 'Very high'
        when churn_probability >= 0.5 then 'High'
        when churn_probability >= 0.25 then 'Medium'
        when churn_probability >= 0.1 then 'Low'
        else 'Very low'
    end)::varchar(10)                                                             as churn_risk_band,
    main_risk_driver::varchar(20)                                                 as main_risk_driver,
    round(expected_active_months::numeric, 4)::numeric(8,4)                       as expected_active_months,
    round(monthly_spend * expected_active_months::numeric, 2)::numeric(12,2)      as survival_revenue,
    revenue_last_horizon,
    churned,
    revenue_next_horizon
from expected
