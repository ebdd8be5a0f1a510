{#-
  How good the churn score is, measured: the churn_backtest fit of gold_churn_model (trained only on
  windows that ended by the cut-off, as_of_date − churn_window_days) scores every customer at the
  cut-off; the following churn_window_days, which end on as_of_date, say who churned.

  One row per population (always both; with too little history the metrics are null and is_measured
  false):
    all_customers     every customer with a rental on or before the cut-off
    active_customers  those whose last rental was within churn_window_days before the cut-off (not
                      churned yet by the definition at the cut-off): the harder, more useful question

  auc                 the probability that a churner is scored above a non-churner (ties count half):
                      0.5 is a coin, 1 is perfect
  top_decile_*        the tenth of customers with the highest churn probability (rounded up; ties by
                      customer_id): precision = churners among them / their number, recall = churners
                      among them / all churners, lift = precision / churn_rate
  predicted_churners  the sum of the churn probabilities, to compare with churners (calibration in the
                      large; gold_churn_calibration has it by risk band)
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}

with as_of as (
    select as_of_date - {{ window_days }} as cutoff_date from {{ ref('dim_as_of_date') }}
),

population_names (population) as (
    values ('all_customers'), ('active_customers')
),

scored as (
    select customer_id, reference_date, recency_days, churn_probability, churned
    from {{ ref('gold_customer_predictions') }}
    where fit_name = 'churn_backtest'
      and churned is not null
      and churn_probability is not null
),

populations as (
    select 'all_customers' as population, scored.* from scored
    union all
    select 'active_customers', scored.* from scored where recency_days <= {{ window_days }}
),

ranked as (
    select
        populations.*,
        rank() over (partition by population order by churn_probability)
            + (count(*) over (partition by population, churn_probability) - 1) / 2.0   as score_rank,
        row_number() over (partition by population order by churn_probability desc, customer_id) as risk_position,
        count(*) over (partition by population)                                           as population_size
    from populations
),

measured as (
    select
        population,
        count(*)                                                                          as customers,
        count(*) filter (where churned)                                                   as churners,
        sum(churn_probability)                                                            as predicted_churners,
        sum(score_rank) filter (where churned)                                            as churner_rank_sum,
        ceil(0.1 * count(*))                                                              as top_decile_customers,
        count(*) filter (where churned and risk_position <= ceil(0.1 * population_size))  as top_decile_churners
    from ranked
    group by population
)

select
    population_names.population::varchar(20)                                             as population,
    coalesce(measured.churners > 0 and measured.churners < measured.customers, false)     as is_measured,
    as_of.cutoff_date::date                                                               as cutoff_date,
    (as_of.cutoff_date + {{ window_days }})::date                                         as window_end_date,
    {{ window_days }}::integer                                                            as window_days,
    coalesce(measured.customers, 0)::integer                                              as customers,
    measured.churners::integer                                                            as churners,
    round(measured.churners::numeric / measured.customers, 4)::numeric(6,4)               as churn_rate,
    round(measured.predicted_churners::numeric, 2)::numeric(12,2)                         as predicted_churners,
    round(
        (measured.churner_rank_sum - measured.churners * (measured.churners + 1) / 2.0)
        / nullif(measured.churners * (measured.customers - measured.churners), 0),
        4
    )::numeric(6,4)                                                                       as auc,
    measured.top_decile_customers::integer                                                as top_decile_customers,
    measured.top_decile_churners::integer                                                 as top_decile_churners,
    round(measured.top_decile_churners / nullif(measured.top_decile_customers, 0), 4)::numeric(6,4)
                                                                                          as top_decile_precision,
    round(measured.top_decile_churners::numeric / nullif(measured.churners, 0), 4)::numeric(6,4)
                                                                                          as top_decile_recall,
    round(
        (measured.top_decile_churners / nullif(measured.top_decile_customers, 0))
        / nullif(measured.churners::numeric / measured.customers, 0),
        2
    )::numeric(8,2)                                                                       as top_decile_lift
from population_names
cross join as_of
left join measured on measured.population = population_names.population
order by population_names.population
