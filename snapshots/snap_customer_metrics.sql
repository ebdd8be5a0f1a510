{#-
  The history of gold_customer_metrics: a new version of a customer's row whenever one of its measures
  (rentals, revenue, first and last rental dates, tier) differs from the current version. Versions start
  at the as_of_date of the build that saw them (measured_at), so building month by month with
  --vars '{as_of_date: ...}' at each month end, in date order, records what each month end looked like.
  The predictions and the score (customer_lifetime_value, customer_score) are kept with each version as
  they were then, but do not make a version of their own: they move with every build.
  Read it through gold_customer_metrics_history.
  Snapshots take no `indexes` config: the index that answers "one customer's history" (a lookup by
  customer_id through the view) is made by a post-hook, with fresh statistics for the planner.
-#}
{% snapshot snap_customer_metrics %}
{{
    config(
        unique_key='customer_id',
        strategy='check',
        check_cols=['total_rentals', 'total_revenue', 'first_rental_date', 'last_rental_date', 'customer_tier', 'is_high_value'],
        updated_at='measured_at',
        post_hook=[
            'create index if not exists {{ this.identifier }}_customer_id_idx on {{ this }} (customer_id)',
            'analyze {{ this }}'
        ]
    )
}}
select
    metrics.*,
    as_of.as_of_date::timestamp as measured_at
from {{ ref('gold_customer_metrics') }} as metrics
cross join {{ ref('dim_as_of_date') }} as as_of
{% endsnapshot %}
