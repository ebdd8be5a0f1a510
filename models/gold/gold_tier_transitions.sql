{#-
  The customer journey between tiers, month by month, read from the history (snap_customer_metrics
  through gold_customer_metrics_history): for each month of dim_month from the first recorded version
  on, how many customers went from one tier at the end of the previous month to another at the end of
  this one. A customer's tier at a month end is that of the version recorded by then and not yet
  replaced; from_tier is 'New' for a customer with no version at the previous month end. A month with
  no build carries the tier of the last build before it, so build each month end (in date order) for a
  true monthly journey. Grain: (month_start, from_tier, to_tier); stays (from = to) included.
-#}

with history as (
    select customer_id, customer_tier, gl_valid_from, gl_valid_to from {{ ref('gold_customer_metrics_history') }}
),

months as (
    select month_start, month_end
    from {{ ref('dim_month') }}
    where month_end >= (select min(gl_valid_from)::date from history)
),

tiers_at_month_end as (
    select months.month_start, history.customer_id, history.customer_tier
    from months
    join history
      on history.gl_valid_from < (months.month_end + 1)::timestamp
     and (history.gl_valid_to is null or history.gl_valid_to >= (months.month_end + 1)::timestamp)
),

moves as (
    select
        current_tier.month_start,
        coalesce(previous_tier.customer_tier, 'New')                       as from_tier,
        current_tier.customer_tier                                         as to_tier
    from tiers_at_month_end as current_tier
    left join tiers_at_month_end as previous_tier
      on previous_tier.customer_id = current_tier.customer_id
     and previous_tier.month_start = (current_tier.month_start - interval '1 month')::date
),

tier_rank (tier, tier_rank) as (
    values ('New', 0), ('Bronze', 1), ('Silver', 2), ('Gold', 3), ('Platinum', 4)
)

select
    md5(moves.month_start::text || '|' || moves.from_tier || '|' || moves.to_tier)::uuid        as tier_transition_key,
    moves.month_start,
    moves.from_tier::varchar(20)                                                                as from_tier,
    moves.to_tier::varchar(20)                                                                  as to_tier,
    (case
        when moves.from_tier = 'New' then 'new'
        when to_rank.tier_rank > from_rank.tier_rank then 'up'
        when to_rank.tier_rank < from_rank.tier_rank then 'down'
        else 'same'
    end)::varchar(10)                                                                           as direction,
    count(*)::integer                                                                           as customers
from moves
left join tier_rank as from_rank on from_rank.tier = moves.from_tier
left join tier_rank as to_rank on to_rank.tier = moves.to_tier
group by moves.month_start, moves.from_tier, moves.to_tier, from_rank.tier_rank, to_rank.tier_rank
order by moves.month_start, from_rank.tier_rank, to_rank.tier_rank
