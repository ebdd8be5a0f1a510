-- gold_customer_metrics has exactly one row per customer: its row count equals dim_customer's.
-- Returns a row (a failure) when the counts differ.
with gold as (
    select count(*) as gold_rows from {{ ref('gold_customer_metrics') }}
),

customers as (
    select count(*) as customer_rows from {{ ref('dim_customer') }}
)

select gold_rows, customer_rows
from gold
cross join customers
where gold_rows <> customer_rows
