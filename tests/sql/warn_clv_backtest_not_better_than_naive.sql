{{ config(severity='warn') }}
-- The lifetime value earns its keep: a warning for each population of gold_clv_backtest whose mean
-- absolute error is not below var('clv_max_mae_ratio') (1) times the naive baseline's, and for a
-- back-test that could not be measured (too little history before as_of_date).
select population, is_measured, mae_model, mae_naive, mae_ratio
from {{ ref('gold_clv_backtest') }}
where not is_measured
   or mae_ratio >= {{ var('clv_max_mae_ratio', 1) }}
