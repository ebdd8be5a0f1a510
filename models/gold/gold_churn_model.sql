{#-
  The churn model, learned in SQL: a points scorecard (naive Bayes over binned features).

  A fit learns from the month-end rows of gold_customer_features whose churn window had ended by the
  fit's date (reference_date + churn_window_days <= fit_date), so it sees nothing after that date:
    current         fit_date = as_of_date: scores customers today
    churn_backtest  fit_date = as_of_date − churn_window_days: scored at that cut-off and checked on the
                    window that followed (gold_churn_backtest)
    clv_backtest    fit_date = as_of_date − clv_horizon_months: used by the lifetime-value backtest

  For each feature bin: churn_rate = (churners + 10 × base_rate) / (rows + 10), the bin's churn rate
  pulled towards the base rate when the bin is small; points = logit(churn_rate) − logit(base_rate).
  A customer's churn probability is sigmoid(logit(base_rate) + evidence_weight × Σ points over the five
  features). The features overlap (a long gap shows in recency, frequency and the gap ratio at once), so
  summing their points overstates the evidence; evidence_weight (0.1 … 1.0) is the value that fits the
  training rows best (lowest log loss). Grain: (fit_name, feature, bin).
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}
{%- set horizon_months = var('clv_horizon_months', 3) | int -%}
{%- set features = ['recency', 'frequency', 'gap', 'spend_trend', 'late_return'] -%}

with as_of as (
    select as_of_date from {{ ref('dim_as_of_date') }}
),

fits as (
    select 'current' as fit_name, as_of_date as fit_date from as_of
    union all
    select 'churn_backtest', as_of_date - {{ window_days }} from as_of
    union all
    select 'clv_backtest', {{ shift_months('as_of_date', -horizon_months) }} from as_of
),

training as (
    select fits.fit_name, fits.fit_date, features.*
    from fits
    join {{ ref('gold_customer_features') }} as features
      on features.is_month_end
     and features.reference_date + {{ window_days }} <= fits.fit_date
),

combinations as (
    -- Training rows with the same five bins score the same: learn and weigh on their counts.
    select
        fit_name,
        {%- for feature in features %}
        {{ feature }}_bin,
        {%- endfor %}
        count(*)                                  as rows_in_combination,
        count(*) filter (where churned)           as churners_in_combination
    from training
    group by fit_name{% for feature in features %}, {{ feature }}_bin{% endfor %}
),

base as (
    select
        fit_name,
        sum(rows_in_combination)                                                      as training_rows,
        sum(churners_in_combination)                                                  as training_churners,
        least(0.999, greatest(0.001, sum(churners_in_combination)::float8 / sum(rows_in_combination))) as base_rate
    from combinations
    group by fit_name
),

bins as (
    {%- for feature in features %}
    select fit_name, '{{ feature }}'::text as feature, {{ feature }}_bin as bin,
           sum(rows_in_combination) as rows_in_bin, sum(churners_in_combination) as churners_in_bin
    from combinations
    group by fit_name, {{ feature }}_bin
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

points as (
    select
        bins.*,
        base.base_rate,
        least(0.999, greatest(0.001, (bins.churners_in_bin + 10 * base.base_rate) / (bins.rows_in_bin + 10)))::float8
                                                                                  as churn_rate
    from bins
    join base on base.fit_name = bins.fit_name
),

points_scored as (
    select
        points.*,
        ln(churn_rate / (1 - churn_rate)) - ln(base_rate / (1 - base_rate))          as points
    from points
),

combination_points as (
    select
        combinations.fit_name,
        combinations.rows_in_combination,
        combinations.churners_in_combination,
        {% for feature in features -%}
        {{ feature }}_points.points{{ ' +' if not loop.last }}
        {% endfor -%}
        as total_points
    from combinations
    {%- for feature in features %}
    join points_scored as {{ feature }}_points
      on {{ feature }}_points.fit_name = combinations.fit_name
     and {{ feature }}_points.feature = '{{ feature }}'
     and {{ feature }}_points.bin = combinations.{{ feature }}_bin
    {%- endfor %}
),

weights as (
    select generate_series(1, 10) / 10.0::float8 as evidence_weight
),

probabilities as (
    select
        combination_points.*,
        weights.evidence_weight,
        1 / (1 + exp(-(ln(base.base_rate / (1 - base.base_rate)) + weights.evidence_weight * combination_points.total_points)))
                                                                                  as probability
    from combination_points
    join base on base.fit_name = combination_points.fit_name
    cross join weights
),

losses as (
    select
        fit_name,
        evidence_weight,
        sum(
            - churners_in_combination * ln(probability)
            - (rows_in_combination - churners_in_combination) * ln(1 - probability)
        ) / sum(rows_in_combination)                                              as log_loss
    from probabilities
    group by fit_name, evidence_weight
),

best_weight as (
    select distinct on (fit_name) fit_name, evidence_weight, log_loss
    from losses
    order by fit_name, log_loss, evidence_weight
)

select
    md5(points_scored.fit_name || '|' || points_scored.feature || '|' || points_scored.bin)::uuid as churn_model_key,
    points_scored.fit_name::varchar(20)                          as fit_name,
    fits.fit_date::date                                          as fit_date,
    points_scored.feature::varchar(20)                           as feature,
    points_scored.bin::varchar(20)                               as bin,
    points_scored.rows_in_bin::integer                           as rows_in_bin,
    points_scored.churners_in_bin::integer                       as churners_in_bin,
    round(points_scored.churn_rate::numeric, 4)::numeric(6,4)             as churn_rate,
    round(points_scored.points::numeric, 4)::numeric(8,4)                 as points,
    round(points_scored.base_rate::numeric, 4)::numeric(6,4)              as base_rate,
    base.training_rows::integer                                  as training_rows,
    base.training_churners::integer                              as training_churners,
    best_weight.evidence_weight::numeric(3,1)                    as evidence_weight,
    round(best_weight.log_loss::numeric, 4)::numeric(8,4)                 as training_log_loss
from points_scored
join fits on fits.fit_name = points_scored.fit_name
join base on base.fit_name = points_scored.fit_name
join best_weight on best_weight.fit_name = points_scored.fit_name
order by fit_name, feature, bin
