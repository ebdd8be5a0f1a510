{#-
  RFM (recency, frequency, monetary) scoring, one row per customer of dim_customer.

  recency_days  days from the customer's last rental to as_of_date (dim_as_of_date: the var, or the
                latest activity in the data; not today, so a rebuild of the same data gives the same scores)
  frequency     number of rentals
  monetary      sum of the customer's payments

  Each measure is scored 1-5 by quintile among customers who rented: score = ceil(5 * cume_dist()),
  so tied values share a score and the best fifth scores 5 (recency: fewest days is best). Customers
  who never rented score 1 on all three and are segment 'No Rentals'.

  customer_score = 100 * (w_r * (R - 1) + w_f * (F - 1) + w_m * (M - 1)) / (4 * (w_r + w_f + w_m))
  on a 0-100 scale, with the weights from vars rfm_weight_recency (0.4), rfm_weight_frequency (0.3)
  and rfm_weight_monetary (0.3).
-#}
{%- set w_r = var('rfm_weight_recency', 0.4) -%}
{%- set w_f = var('rfm_weight_frequency', 0.3) -%}
{%- set w_m = var('rfm_weight_monetary', 0.3) -%}

with customers as (
    select customer_id from {{ ref('dim_customer') }}
),

rentals as (
    select
        customer_id,
        count(*)::integer       as frequency,
        max(rental_date)        as last_rental_date
    from {{ ref('fct_rental') }}
    group by customer_id
),

payments as (
    select
        customer_id,
        sum(amount)             as monetary
    from {{ ref('fct_payment') }}
    group by customer_id
),

reference_date as (
    select as_of_date from {{ ref('dim_as_of_date') }}
),

measures as (
    select
        customers.customer_id,
        rentals.last_rental_date,
        reference_date.as_of_date - rentals.last_rental_date       as recency_days,
        coalesce(rentals.frequency, 0)                             as frequency,
        coalesce(payments.monetary, 0)::numeric(10,2)              as monetary,
        rentals.customer_id is not null                            as has_rentals
    from customers
    left join rentals on rentals.customer_id = customers.customer_id
    left join payments on payments.customer_id = customers.customer_id
    cross join reference_date
),

scored as (
    select
        customer_id,
        ceil(5 * cume_dist() over (order by recency_days desc))::integer as recency_score,
        ceil(5 * cume_dist() over (order by frequency))::integer         as frequency_score,
        ceil(5 * cume_dist() over (order by monetary))::integer          as monetary_score
    from measures
    where has_rentals
),

combined as (
    select
        measures.customer_id,
        measures.last_rental_date,
        measures.recency_days,
        measures.frequency,
        measures.monetary,
        measures.has_rentals,
        coalesce(scored.recency_score, 1)   as recency_score,
        coalesce(scored.frequency_score, 1) as frequency_score,
        coalesce(scored.monetary_score, 1)  as monetary_score
    from measures
    left join scored on scored.customer_id = measures.customer_id
)

select
    customer_id,
    last_rental_date,
    recency_days,
    frequency,
    monetary,
    recency_score,
    frequency_score,
    monetary_score,
    recency_score::text || frequency_score::text || monetary_score::text as rfm_cell,
    (case
        when not has_rentals then 'No Rentals'
        when recency_score >= 4 and frequency_score >= 4 and monetary_score >= 4 then 'Champions'
        when recency_score >= 3 and frequency_score >= 4 then 'Loyal'
        when recency_score >= 4 and frequency_score >= 2 then 'Potential Loyalist'
        when recency_score = 5 and frequency_score = 1 then 'New Customers'
        when recency_score = 4 and frequency_score = 1 then 'Promising'
        when recency_score = 3 and frequency_score >= 2 then 'Need Attention'
        when recency_score = 3 then 'About to Sleep'
        when frequency_score >= 4 and monetary_score >= 4 then 'Cannot Lose Them'
        when frequency_score >= 3 then 'At Risk'
        else 'Hibernating'
    end)::varchar(20) as rfm_segment,
    round(
        100.0 * ({{ w_r }} * (recency_score - 1) + {{ w_f }} * (frequency_score - 1) + {{ w_m }} * (monetary_score - 1))
        / (4 * ({{ w_r }} + {{ w_f }} + {{ w_m }})),
        2
    )::numeric(8,2) as customer_score
from combined
order by customer_id
