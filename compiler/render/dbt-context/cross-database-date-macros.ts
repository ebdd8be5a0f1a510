/**
 * The date and time half of dbt's cross-database macros, as dbt-postgres renders them (see
 * cross-database-macros.ts). Dates and timestamps are SQL expressions: `"'2024-01-30'::date"`,
 * `'order_date'`.
 */

// Each finer part is the coarser difference times the units per step plus the difference of the part
// itself, so e.g. 23:59 → 00:01 the next day is 2 minutes, not 1 day.
const DATEDIFF = `{% macro datediff(first_date, second_date, datepart) -%}
{%- set a_date = '(' ~ first_date ~ ')::date' -%}
{%- set b_date = '(' ~ second_date ~ ')::date' -%}
{%- set a_ts = '(' ~ first_date ~ ')::timestamp' -%}
{%- set b_ts = '(' ~ second_date ~ ')::timestamp' -%}
{%- if datepart == 'year' -%}
(date_part('year', {{ b_date }}) - date_part('year', {{ a_date }}))
{%- elif datepart == 'quarter' -%}
({{ datediff(first_date, second_date, 'year') }} * 4 + date_part('quarter', {{ b_date }}) - date_part('quarter', {{ a_date }}))
{%- elif datepart == 'month' -%}
({{ datediff(first_date, second_date, 'year') }} * 12 + date_part('month', {{ b_date }}) - date_part('month', {{ a_date }}))
{%- elif datepart == 'day' -%}
({{ b_date }} - {{ a_date }})
{%- elif datepart == 'week' -%}
({{ datediff(first_date, second_date, 'day') }} / 7 + case when date_part('dow', {{ a_ts }}) <= date_part('dow', {{ b_ts }}) then case when {{ first_date }} <= {{ second_date }} then 0 else -1 end else case when {{ first_date }} <= {{ second_date }} then 1 else 0 end end)
{%- elif datepart == 'hour' -%}
({{ datediff(first_date, second_date, 'day') }} * 24 + date_part('hour', {{ b_ts }}) - date_part('hour', {{ a_ts }}))
{%- elif datepart == 'minute' -%}
({{ datediff(first_date, second_date, 'hour') }} * 60 + date_part('minute', {{ b_ts }}) - date_part('minute', {{ a_ts }}))
{%- elif datepart == 'second' -%}
({{ datediff(first_date, second_date, 'minute') }} * 60 + floor(date_part('second', {{ b_ts }})) - floor(date_part('second', {{ a_ts }})))
{%- elif datepart == 'millisecond' -%}
({{ datediff(first_date, second_date, 'minute') }} * 60000 + floor(date_part('millisecond', {{ b_ts }})) - floor(date_part('millisecond', {{ a_ts }})))
{%- elif datepart == 'microsecond' -%}
({{ datediff(first_date, second_date, 'minute') }} * 60000000 + floor(date_part('microsecond', {{ b_ts }})) - floor(date_part('microsecond', {{ a_ts }})))
{%- else -%}
{{ exceptions.raise_compiler_error("Unsupported datepart for macro datediff in postgres: '" ~ datepart ~ "'") }}
{%- endif -%}
{%- endmacro %}`;

// Postgres has no '1 quarter' interval, so a quarter ends three months after it starts.
const LAST_DAY = `{% macro last_day(date, datepart) -%}
{%- if datepart == 'quarter' -%}
cast({{ dateadd('day', '-1', dateadd('month', '3', date_trunc(datepart, date))) }} as date)
{%- else -%}
cast({{ dateadd('day', '-1', dateadd(datepart, '1', date_trunc(datepart, date))) }} as date)
{%- endif -%}
{%- endmacro %}`;

// The smallest n with 2^n >= upper_bound: the number of {0,1} tables generate_series cross-joins.
const GET_POWERS_OF_TWO = `{% macro get_powers_of_two(upper_bound) -%}
{%- if upper_bound <= 0 -%}{{ exceptions.raise_compiler_error('upper bound must be positive') }}{%- endif -%}
{%- for _ in range(1, 100) -%}
{%- if upper_bound <= 2 ** loop.index -%}{{ return(loop.index) }}{%- endif -%}
{%- endfor -%}
{%- endmacro %}`;

// The numbers 1..upper_bound as the column generated_number, built from binary digits (dbt's
// portable form; Postgres's own generate_series would do, but packages compare against this shape).
const GENERATE_SERIES = `{% macro generate_series(upper_bound) -%}
{%- set n = get_powers_of_two(upper_bound) -%}
with p as (
    select 0 as generated_number union all select 1
), unioned as (
    select
    {% for i in range(n) %}p{{ i }}.generated_number * power(2, {{ i }}){% if not loop.last %} + {% endif %}{% endfor %} + 1 as generated_number
    from
    {% for i in range(n) %}p as p{{ i }}{% if not loop.last %} cross join {% endif %}{% endfor %}
)
select *
from unioned
where generated_number <= {{ upper_bound }}
order by generated_number
{%- endmacro %}`;

// Needs the database: asks it for datediff(start, end) when templates run (execute), and answers 1
// in the parse pass, as dbt does when its statement has not run.
const GET_INTERVALS_BETWEEN = `{% macro get_intervals_between(start_date, end_date, datepart) -%}
{%- if execute and run_query is defined -%}
{%- set result = run_query('select ' ~ datediff(start_date, end_date, datepart)) -%}
{%- if result and result.rows and result.rows | length > 0 -%}{{ return(result.rows[0][0] | int) }}{%- endif -%}
{%- endif -%}
{{ return(1) }}
{%- endmacro %}`;

// One row per datepart from start_date (inclusive) to end_date (exclusive), column date_<datepart>.
const DATE_SPINE = `{% macro date_spine(datepart, start_date, end_date) -%}
with rawdata as (
{{ generate_series(get_intervals_between(start_date, end_date, datepart)) }}
),
all_periods as (
    select ({{ dateadd(datepart, 'row_number() over (order by 1) - 1', start_date) }}) as date_{{ datepart }}
    from rawdata
),
filtered as (
    select *
    from all_periods
    where date_{{ datepart }} <= {{ end_date }}
)
select * from filtered
{%- endmacro %}`;

// dbt formats the parts with Python's strftime; here the zero padding is spelled out.
const DATE = `{% macro date(year, month, day) -%}
{%- set y = year | int -%}{%- set m = month | int -%}{%- set d = day | int -%}
to_date('{% if y < 1000 %}0{% endif %}{% if y < 100 %}0{% endif %}{% if y < 10 %}0{% endif %}{{ y }}-{% if m < 10 %}0{% endif %}{{ m }}-{% if d < 10 %}0{% endif %}{{ d }}', 'YYYY-MM-DD')
{%- endmacro %}`;

export const DATE_MACROS: Record<string, string> = {
  date_trunc: `{% macro date_trunc(datepart, date) -%}date_trunc('{{ datepart }}', {{ date }}){%- endmacro %}`,
  dateadd: `{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}
{{ from_date_or_timestamp }} + ((interval '1 {{ datepart }}') * ({{ interval }}))
{%- endmacro %}`,
  datediff: DATEDIFF,
  last_day: LAST_DAY,
  date: DATE,
  current_timestamp: `{% macro current_timestamp() -%}now(){%- endmacro %}`,
  current_timestamp_backcompat: `{% macro current_timestamp_backcompat() -%}current_timestamp::TIMESTAMP{%- endmacro %}`,
  current_timestamp_in_utc_backcompat: `{% macro current_timestamp_in_utc_backcompat() -%}(current_timestamp at time zone 'utc')::TIMESTAMP{%- endmacro %}`,
  get_powers_of_two: GET_POWERS_OF_TWO,
  generate_series: GENERATE_SERIES,
  get_intervals_between: GET_INTERVALS_BETWEEN,
  date_spine: DATE_SPINE,
};
