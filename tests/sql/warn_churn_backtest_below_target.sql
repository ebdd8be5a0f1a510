{{ config(severity='warn') }}
-- The churn score earns its keep: a warning for each population of gold_churn_backtest whose AUC is below
-- var('churn_min_auc') (0.75) or whose top decile holds no more churners than chance (lift <= 1), and
-- for a back-test that could not be measured (too little history before as_of_date).
select population, is_measured, auc, top_decile_lift
from {{ ref('gold_churn_backtest') }}
where not is_measured
   or auc < {{ var('churn_min_auc', 0.75) }}
   or top_decile_lift <= 1
