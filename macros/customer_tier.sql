{#-
  The customer tier of a total revenue expression: Platinum, Gold, Silver or Bronze.
  Thresholds are inclusive lower bounds, set by vars so a business can move them without editing SQL:
    customer_tier('total_revenue')  ->  case when total_revenue >= 100 then 'Platinum' ... else 'Bronze' end
  A null revenue is Bronze.
-#}
{% macro customer_tier(column) -%}
case
        when {{ column }} >= {{ var('tier_platinum_min_revenue', 100) }} then 'Platinum'
        when {{ column }} >= {{ var('tier_gold_min_revenue', 50) }} then 'Gold'
        when {{ column }} >= {{ var('tier_silver_min_revenue', 20) }} then 'Silver'
        else 'Bronze'
    end
{%- endmacro %}
