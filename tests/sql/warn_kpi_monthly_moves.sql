{{ config(severity='warn') }}
-- KPI watch: a warning for each KPI of the latest complete month that moved more than
-- var('kpi_change_warn_threshold') (0.25 = 25 %) from the previous month, up or down. One row per KPI
-- that moved; `strata build` reports them as a WARN with the rows.
{%- set threshold = var('kpi_change_warn_threshold', 0.25) %}
{%- set kpis = ['active_customers', 'new_customers', 'churned_customers', 'revenue', 'revenue_per_active_customer', 'high_value_share', 'predicted_clv_total'] %}

with latest as (
    select * from {{ ref('gold_kpi_monthly') }}
    where is_complete
    order by month_start desc
    limit 1
),

changes as (
    {%- for kpi in kpis %}
    select month_start, '{{ kpi }}' as kpi, {{ kpi }}::numeric as kpi_value, {{ kpi }}_change as change from latest
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select month_start, kpi, kpi_value, change
from changes
where abs(change) > {{ threshold }}
