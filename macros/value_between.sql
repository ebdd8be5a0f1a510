{#-
  A generic data test: the rows whose column is outside [min_value, max_value] (nulls pass; pair it with
  not_null where a value is required).
    data_tests:
      - value_between: {min_value: 0, max_value: 1}
-#}
{% test value_between(model, column_name, min_value, max_value) %}
select {{ column_name }} as out_of_range_value
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
