-- The point in time is one date: dim_as_of_date has exactly one row, with an as_of_date.
select count(*) as rows_found, count(as_of_date) as dates_found
from {{ ref('dim_as_of_date') }}
having count(*) <> 1 or count(as_of_date) <> 1
