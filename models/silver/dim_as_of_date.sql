{#-
  The point in time the whole pipeline computes as of: one row.

  as_of_date is var('as_of_date') when it is set (e.g. --vars '{as_of_date: 2022-06-30}'), else the
  date (UTC) of the latest rental or payment in the sources. Silver keeps only what was known at the end
  of that day: rentals and payments made on or before it, customers created (or active) by then, and
  returns made by then (a film returned later is still out as of that date). Gold reads silver, so every
  measure, score and prediction is "as of" this date, and a past date rebuilds the past.
-#}
{%- set as_of = var('as_of_date', none) -%}

with activity as (
    select max(rented_at) as latest_at, min(rented_at) as earliest_at from {{ ref('brz_rental') }}
    union all
    select max(paid_at), min(paid_at) from {{ ref('brz_payment') }}
),

bounds as (
    select
        (max(latest_at) at time zone 'UTC')::date      as data_last_date,
        (min(earliest_at) at time zone 'UTC')::date    as data_first_date
    from activity
),

chosen as (
    select
        {% if as_of is not none and as_of != '' -%}
        cast('{{ as_of }}' as date)                    as as_of_date,
        true                                           as is_as_of_date_set,
        {%- else -%}
        data_last_date                                 as as_of_date,
        false                                          as is_as_of_date_set,
        {%- endif %}
        data_first_date,
        data_last_date
    from bounds
)

select
    as_of_date,
    -- The first instant after as_of_date (UTC): silver keeps events strictly before it.
    ((as_of_date + 1)::timestamp at time zone 'UTC')   as as_of_end_at,
    date_trunc('month', as_of_date)::date               as as_of_month,
    is_as_of_date_set,
    data_first_date,
    data_last_date
from chosen
