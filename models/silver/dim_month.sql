{#-
  The calendar of the analytics: one row per month from the month of the first rental or payment in the
  sources to the month of as_of_date. is_complete: the month ended on or before as_of_date; the month of
  a mid-month as_of_date is partial (days_observed < days_in_month).
-#}
with as_of as (
    select as_of_date, data_first_date from {{ ref('dim_as_of_date') }}
),

months as (
    select month_start::date as month_start
    from as_of
    cross join generate_series(
        date_trunc('month', as_of.data_first_date), date_trunc('month', as_of.as_of_date), interval '1 month'
    ) as series (month_start)
)

select
    months.month_start,
    (months.month_start + interval '1 month')::date - 1                                     as month_end,
    to_char(months.month_start, 'YYYY-MM')::varchar(7)                                       as month_label,
    (row_number() over (order by months.month_start))::integer                               as month_number,
    ((months.month_start + interval '1 month')::date - months.month_start)::integer          as days_in_month,
    (least((months.month_start + interval '1 month')::date - 1, as_of.as_of_date) - months.month_start + 1)::integer
                                                                                             as days_observed,
    (months.month_start + interval '1 month')::date - 1 <= as_of.as_of_date                  as is_complete
from months
cross join as_of
order by months.month_start
