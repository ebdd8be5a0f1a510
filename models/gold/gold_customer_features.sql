{#-
  The behaviour of each customer at a series of reference dates, and what happened next: the rows the
  churn and lifetime-value models learn from, are scored on, and are backtested on.

  Grain: (customer_id, reference_date), for every customer with a rental on or before the reference
  date. Reference dates: every month end before as_of_date, as_of_date itself, and the two backtest
  cut-offs (as_of_date − churn_window_days, as_of_date − clv_horizon_months months).

  Features use only what was known at the end of the reference date t (rentals, returns and payments
  on or before t). Outcomes look after t and are null until their window has ended by as_of_date:
    churned               no rental in (t, t + churn_window_days]
    revenue_next_horizon  payments in (t, t + clv_horizon_months months]
  Each feature is also put in a fixed bin (`*_bin`, '1 …' to '6 …'), the unit the churn model learns.

  How: one pass per customer over their activity by day (rentals, returns, payments) with a marker row
  at each date a window starts or ends (t, t − 90, t − 180, t ∓ the horizon, t + the churn window);
  running sums read at the markers give every window as a difference, so the cost grows with the
  rows plus customers × reference dates, not with their product.
-#}
{%- set window_days = var('churn_window_days', 60) | int -%}
{%- set horizon_months = var('clv_horizon_months', 3) | int -%}

with as_of as (
    select as_of_date, data_first_date from {{ ref('dim_as_of_date') }}
),

reference_dates as (
    select reference_date, bool_or(is_month_end) as is_month_end
    from (
        select month_end as reference_date, true as is_month_end
        from {{ ref('dim_month') }}
        where is_complete
        union all
        select as_of_date, false from as_of
        union all
        select as_of_date - {{ window_days }}, false from as_of
        union all
        select {{ shift_months('as_of_date', -horizon_months) }}, false from as_of
    ) as candidates
    cross join as_of
    where reference_date <= as_of.as_of_date
      and reference_date >= as_of.data_first_date
    group by reference_date
),

activity as (
    select customer_id, rental_date as activity_date, count(*) as rentals, 0 as returns, 0 as late_returns, 0 as revenue
    from {{ ref('fct_rental') }}
    group by customer_id, rental_date
    union all
    select customer_id, return_date, 0, count(*), count(*) filter (where is_late), 0
    from {{ ref('fct_rental') }}
    where return_date is not null
    group by customer_id, return_date
    union all
    select customer_id, payment_date, 0, 0, 0, sum(amount)
    from {{ ref('fct_payment') }}
    group by customer_id, payment_date
),

renters as (
    select customer_id, min(rental_date) as first_rental_date from {{ ref('fct_rental') }} group by customer_id
),

markers as (
    select
        renters.customer_id,
        reference_dates.reference_date,
        offsets.marker,
        case offsets.marker
            when 'now' then reference_dates.reference_date
            when 'back_90' then reference_dates.reference_date - 90
            when 'back_180' then reference_dates.reference_date - 180
            when 'back_horizon' then {{ shift_months('reference_dates.reference_date', -horizon_months) }}
            when 'ahead_window' then reference_dates.reference_date + {{ window_days }}
            else {{ shift_months('reference_dates.reference_date', horizon_months) }}
        end                                                                       as activity_date
    from renters
    join reference_dates on reference_dates.reference_date >= renters.first_rental_date
    cross join (values ('now'), ('back_90'), ('back_180'), ('back_horizon'), ('ahead_window'), ('ahead_horizon'))
        as offsets (marker)
),

stream as (
    select customer_id, activity_date, 0 as is_marker, rentals, returns, late_returns, revenue,
           null::date as reference_date, null::text as marker
    from activity
    union all
    select customer_id, activity_date, 1, 0, 0, 0, 0, reference_date, marker
    from markers
),

running as (
    -- Activity of a day sorts before the markers of that day: a window (a, b] is running(b) − running(a).
    select
        customer_id,
        reference_date,
        marker,
        sum(rentals) over customer_days                                          as rentals_to_date,
        sum(returns) over customer_days                                          as returns_to_date,
        sum(late_returns) over customer_days                                     as late_returns_to_date,
        sum(revenue) over customer_days                                          as revenue_to_date,
        max(activity_date) filter (where rentals > 0) over customer_days         as last_rental_date
    from stream
    window customer_days as (partition by customer_id order by activity_date, is_marker rows unbounded preceding)
),

at_markers as (
    select
        customer_id,
        reference_date,
        max(rentals_to_date) filter (where marker = 'now')                       as rentals_now,
        max(rentals_to_date) filter (where marker = 'back_90')                   as rentals_back_90,
        max(rentals_to_date) filter (where marker = 'back_180')                  as rentals_back_180,
        max(rentals_to_date) filter (where marker = 'ahead_window')              as rentals_ahead_window,
        max(returns_to_date) filter (where marker = 'now')                       as returns_now,
        max(returns_to_date) filter (where marker = 'back_90')                   as returns_back_90,
        max(late_returns_to_date) filter (where marker = 'now')                  as late_returns_now,
        max(late_returns_to_date) filter (where marker = 'back_90')              as late_returns_back_90,
        max(revenue_to_date) filter (where marker = 'now')                       as revenue_now,
        max(revenue_to_date) filter (where marker = 'back_90')                   as revenue_back_90,
        max(revenue_to_date) filter (where marker = 'back_180')                  as revenue_back_180,
        max(revenue_to_date) filter (where marker = 'back_horizon')              as revenue_back_horizon,
        max(revenue_to_date) filter (where marker = 'ahead_horizon')             as revenue_ahead_horizon,
        max(last_rental_date) filter (where marker = 'now')                      as last_rental_date
    from running
    where marker is not null
    group by customer_id, reference_date
),

features as (
    select
        at_markers.customer_id,
        at_markers.reference_date,
        reference_dates.is_month_end,
        at_markers.reference_date = as_of.as_of_date                               as is_as_of_date,
        renters.first_rental_date,
        at_markers.last_rental_date,
        at_markers.reference_date - renters.first_rental_date + 1                  as tenure_days,
        at_markers.reference_date - at_markers.last_rental_date                    as recency_days,
        at_markers.rentals_now                                                     as rentals_total,
        at_markers.rentals_now - at_markers.rentals_back_90                        as rentals_last_90d,
        at_markers.rentals_back_90 - at_markers.rentals_back_180                   as rentals_prev_90d,
        case when at_markers.rentals_now > 1 then
            round((at_markers.last_rental_date - renters.first_rental_date)::numeric / (at_markers.rentals_now - 1), 2)
        end                                                                         as mean_gap_days,
        at_markers.returns_now - at_markers.returns_back_90                        as returns_last_90d,
        at_markers.late_returns_now - at_markers.late_returns_back_90              as late_returns_last_90d,
        coalesce(at_markers.revenue_now, 0)                                        as revenue_total,
        at_markers.revenue_now - at_markers.revenue_back_90                        as revenue_last_90d,
        at_markers.revenue_back_90 - at_markers.revenue_back_180                   as revenue_prev_90d,
        at_markers.revenue_now - at_markers.revenue_back_180                       as revenue_last_180d,
        at_markers.revenue_now - at_markers.revenue_back_horizon                   as revenue_last_horizon,
        at_markers.reference_date + {{ window_days }} <= as_of.as_of_date          as is_churn_observed,
        {{ shift_months('at_markers.reference_date', horizon_months) }} <= as_of.as_of_date
                                                                                    as is_revenue_observed,
        at_markers.rentals_ahead_window - at_markers.rentals_now                   as rentals_next_window,
        at_markers.revenue_ahead_horizon - at_markers.revenue_now                  as revenue_next_horizon
    from at_markers
    join renters on renters.customer_id = at_markers.customer_id
    join reference_dates on reference_dates.reference_date = at_markers.reference_date
    cross join as_of
),

derived as (
    select
        features.*,
        round(recency_days / nullif(mean_gap_days, 0), 2)                           as overdue_ratio,
        -- Spend of the last 90 days against the 90 before; only once both windows are inside the tenure.
        case when tenure_days >= 180 and revenue_prev_90d > 0
            then round(revenue_last_90d / revenue_prev_90d, 2)
        end                                                                         as spend_trend,
        round(late_returns_last_90d::numeric / nullif(returns_last_90d, 0), 2)     as late_return_share,
        -- Spend per month over the last 180 days of tenure (at least 30 days): the lifetime-value rate.
        round(revenue_last_180d / (greatest(30, least(tenure_days, 180)) / 30.4375), 2)
                                                                                    as monthly_spend
    from features
)

select
    md5(customer_id::text || '|' || reference_date::text)::uuid                     as customer_feature_key,
    customer_id::integer                                                            as customer_id,
    reference_date::date                                                            as reference_date,
    is_month_end,
    is_as_of_date,
    first_rental_date::date                                                         as first_rental_date,
    last_rental_date::date                                                          as last_rental_date,
    tenure_days::integer                                                            as tenure_days,
    recency_days::integer                                                           as recency_days,
    rentals_total::integer                                                          as rentals_total,
    rentals_last_90d::integer                                                       as rentals_last_90d,
    rentals_prev_90d::integer                                                       as rentals_prev_90d,
    mean_gap_days::numeric(8,2)                                                     as mean_gap_days,
    overdue_ratio::numeric(10,2)                                                    as overdue_ratio,
    returns_last_90d::integer                                                       as returns_last_90d,
    late_returns_last_90d::integer                                                  as late_returns_last_90d,
    late_return_share::numeric(4,2)                                                 as late_return_share,
    revenue_total::numeric(12,2)                                                    as revenue_total,
    revenue_last_90d::numeric(12,2)                                                 as revenue_last_90d,
    revenue_prev_90d::numeric(12,2)                                                 as revenue_prev_90d,
    spend_trend::numeric(10,2)                                                      as spend_trend,
    monthly_spend::numeric(10,2)                                                    as monthly_spend,
    revenue_last_horizon::numeric(12,2)                                             as revenue_last_horizon,
    (case
        when recency_days <= 7 then '1 0-7 days'
        when recency_days <= 14 then '2 8-14 days'
        when recency_days <= 30 then '3 15-30 days'
        when recency_days <= 60 then '4 31-60 days'
        when recency_days <= 120 then '5 61-120 days'
        else '6 over 120 days'
    end)::varchar(20)                                                               as recency_bin,
    (case
        when rentals_last_90d = 0 then '1 none'
        when rentals_last_90d = 1 then '2 1'
        when rentals_last_90d <= 3 then '3 2-3'
        when rentals_last_90d <= 6 then '4 4-6'
        when rentals_last_90d <= 12 then '5 7-12'
        else '6 over 12'
    end)::varchar(20)                                                               as frequency_bin,
    (case
        when overdue_ratio is null then '1 one rental'
        when overdue_ratio < 0.5 then '2 under 0.5'
        when overdue_ratio < 1 then '3 0.5-1'
        when overdue_ratio < 2 then '4 1-2'
        when overdue_ratio < 4 then '5 2-4'
        else '6 4 or more'
    end)::varchar(20)                                                               as gap_bin,
    (case
        when spend_trend is null then '1 too new'
        when spend_trend < 0.5 then '2 under 0.5'
        when spend_trend < 0.8 then '3 0.5-0.8'
        when spend_trend < 1.25 then '4 0.8-1.25'
        when spend_trend < 2 then '5 1.25-2'
        else '6 2 or more'
    end)::varchar(20)                                                               as spend_trend_bin,
    (case
        when late_return_share is null then '1 no returns'
        when late_return_share < 0.25 then '2 under 25%'
        when late_return_share < 0.5 then '3 25-50%'
        when late_return_share < 0.75 then '4 50-75%'
        else '5 75% or more'
    end)::varchar(20)                                                               as late_return_bin,
    is_churn_observed,
    (case when is_churn_observed then rentals_next_window = 0 end)                 as churned,
    is_revenue_observed,
    (case when is_revenue_observed then revenue_next_horizon end)::numeric(12,2)   as revenue_next_horizon
from derived
