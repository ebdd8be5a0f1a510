{#-
  A date moved by a whole number of months, month ends kept as month ends: the day after the date is
  moved, then one day is taken off, so 2022-09-30 + 3 months is 2022-12-31 (not PostgreSQL's
  2022-12-30) and 2022-12-31 − 3 months is 2022-09-30; a mid-month date moves as usual.
    shift_months('reference_date', 3)  ->  ((reference_date) + 1 + interval '3 months')::date - 1
-#}
{% macro shift_months(date_expression, months) -%}
((({{ date_expression }}) + 1 + interval '{{ months | int }} months')::date - 1)
{%- endmacro %}
