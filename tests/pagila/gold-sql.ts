/**
 * Plain SQL over the raw Pagila tables (the seeds), written without the models, macros or vars, to
 * check the gold layer against; and the queries that read the gold figures to compare.
 */
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';

export type Tier = 'Platinum' | 'Gold' | 'Silver' | 'Bronze';
export type TierCounts = Record<Tier, number>;

/** Customers per tier from the raw payments: revenue ≥ 100 Platinum, ≥ 50 Gold, ≥ 20 Silver, else Bronze. */
export async function rawTierCounts(adapter: Adapter, rawSchema: string): Promise<TierCounts> {
  const raw = quoteIdent(rawSchema);
  const result = await adapter.query<{ tier: Tier; customers: number }>(`
    with paid as (select customer_id, sum(amount) as amount from ${raw}.payment group by customer_id),
    spent as (
      select c.customer_id, coalesce(paid.amount, 0) as revenue
      from ${raw}.customer c left join paid on paid.customer_id = c.customer_id
    )
    select case when revenue >= 100 then 'Platinum' when revenue >= 50 then 'Gold' when revenue >= 20 then 'Silver' else 'Bronze' end as tier,
           count(*)::int as customers
    from spent group by 1`);
  return tierRecord(result.rows);
}

/** Customers per tier in gl_customer_metrics. */
export async function goldTierCounts(adapter: Adapter, goldSchema: string): Promise<TierCounts> {
  const result = await adapter.query<{ tier: Tier; customers: number }>(
    `select customer_tier as tier, count(*)::int as customers from ${quoteIdent(goldSchema)}.gl_customer_metrics group by 1`,
  );
  return tierRecord(result.rows);
}

function tierRecord(rows: { tier: Tier; customers: number }[]): TierCounts {
  const counts: TierCounts = { Platinum: 0, Gold: 0, Silver: 0, Bronze: 0 };
  for (const row of rows) {
    if (!(row.tier in counts)) throw new Error(`unexpected tier '${row.tier}'`);
    counts[row.tier] = row.customers;
  }
  return counts;
}

export interface Totals {
  rows: number;
  /** numeric as text, e.g. '64238.29'. */
  revenue: string;
  rentals: number;
}

export async function goldTotals(adapter: Adapter, goldSchema: string): Promise<Totals> {
  const result = await adapter.query<Totals>(
    `select count(*)::int as rows, sum(total_revenue)::numeric(14,2)::text as revenue, sum(total_rentals)::int as rentals
     from ${quoteIdent(goldSchema)}.gl_customer_metrics`,
  );
  return result.rows[0];
}

export async function rawTotals(adapter: Adapter, rawSchema: string): Promise<Totals> {
  const raw = quoteIdent(rawSchema);
  const result = await adapter.query<Totals>(
    `select (select count(*) from ${raw}.customer)::int as rows,
            (select sum(amount) from ${raw}.payment)::numeric(14,2)::text as revenue,
            (select count(*) from ${raw}.rental)::int as rentals`,
  );
  return result.rows[0];
}

/**
 * The gl_customer_metrics columns compared below, every value as text (dates as YYYY-MM-DD). Not
 * customer_lifetime_value: it is a model's prediction, checked against
 * analytics-reference.ts with the parameters the model learned.
 */
export interface MetricsRow {
  customer_id: number;
  total_rentals: number;
  total_revenue: string;
  avg_rental_value: string;
  first_rental_date: string | null;
  last_rental_date: string | null;
  avg_rentals_per_month: string;
  customer_tier: string;
  is_high_value: boolean;
  gl_created_time: string;
  gl_updated_time: string;
}

export async function goldRows(adapter: Adapter, goldSchema: string, where = 'true'): Promise<MetricsRow[]> {
  const result = await adapter.query<MetricsRow>(`
    select customer_id, total_rentals, total_revenue::text as total_revenue, avg_rental_value::text as avg_rental_value,
           first_rental_date::text as first_rental_date, last_rental_date::text as last_rental_date,
           avg_rentals_per_month::text as avg_rentals_per_month,
           customer_tier, is_high_value, gl_created_time::text as gl_created_time, gl_updated_time::text as gl_updated_time
    from ${quoteIdent(goldSchema)}.gl_customer_metrics where ${where} order by customer_id`);
  return result.rows;
}

/**
 * The same columns from the raw rental, payment and customer tables, following the spec of
 * README.md ("The Pagila project"), as of a date (default: the day of the latest rental or payment):
 * rentals and payments up to the end of that day (UTC), customers created by then or active by then;
 * dates in UTC; active months = greatest(1, (last − first + 1) / 30.4375); tiers at 100 / 50 / 20;
 * gl_created_time = the earliest of creation, first rental and first payment, gl_updated_time = the
 * latest of creation, last rental and last payment.
 */
export async function rawRows(adapter: Adapter, rawSchema: string, where = 'true', asOf?: string): Promise<MetricsRow[]> {
  const raw = quoteIdent(rawSchema);
  const asOfDate = asOf
    ? `'${asOf}'::date`
    : `(select max(d) from (select max((rental_date at time zone 'UTC')::date) as d from ${raw}.rental
         union all select max((payment_date at time zone 'UTC')::date) from ${raw}.payment) as latest)`;
  const result = await adapter.query<MetricsRow>(`
    with cut as (select ${asOfDate} as as_of),
    rental as (select r.* from ${raw}.rental r, cut where (r.rental_date at time zone 'UTC')::date <= cut.as_of),
    payment as (select p.* from ${raw}.payment p, cut where (p.payment_date at time zone 'UTC')::date <= cut.as_of),
    r as (
      select customer_id, count(*) as n,
             min((rental_date at time zone 'UTC')::date) as first_day,
             max((rental_date at time zone 'UTC')::date) as last_day,
             min(rental_date at time zone 'UTC') as first_at, max(rental_date at time zone 'UTC') as last_at
      from rental group by customer_id
    ),
    p as (
      select customer_id, sum(amount) as revenue,
             min(payment_date at time zone 'UTC') as first_at, max(payment_date at time zone 'UTC') as last_at
      from payment group by customer_id
    ),
    c as (
      select c.* from ${raw}.customer c, cut
      where c.create_date <= cut.as_of
         or c.customer_id in (select customer_id from r) or c.customer_id in (select customer_id from p)
    ),
    m as (
      select c.customer_id, c.create_date, coalesce(r.n, 0) as n, coalesce(p.revenue, 0) as revenue, r.first_day, r.last_day,
             case when r.n is null then 1 else greatest(1, (r.last_day - r.first_day + 1) / 30.4375) end as months,
             least(c.create_date::timestamp, r.first_at, p.first_at) as created,
             greatest(c.create_date::timestamp, r.last_at, p.last_at) as updated
      from c left join r using (customer_id) left join p using (customer_id)
    )
    select customer_id::int as customer_id,
           n::int as total_rentals,
           to_char(revenue, 'FM99999990.00') as total_revenue,
           to_char(case when n = 0 then 0 else revenue / n end, 'FM990.00') as avg_rental_value,
           first_day::text as first_rental_date,
           last_day::text as last_rental_date,
           to_char(n / months, 'FM990.00') as avg_rentals_per_month,
           case when revenue >= 100 then 'Platinum' when revenue >= 50 then 'Gold' when revenue >= 20 then 'Silver' else 'Bronze' end
             as customer_tier,
           revenue >= 50 as is_high_value,
           to_char(created, 'YYYY-MM-DD HH24:MI:SS') as gl_created_time,
           to_char(updated, 'YYYY-MM-DD HH24:MI:SS') as gl_updated_time
    from m where ${where} order by customer_id`);
  return result.rows;
}

/** information_schema.columns of a table as `name type` strings, in column order (numeric(p,s), varchar(n), timestamp). */
export async function columnTypes(adapter: Adapter, schema: string, table: string): Promise<string[]> {
  const result = await adapter.query<{
    column_name: string;
    data_type: string;
    character_maximum_length: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
  }>(
    `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
     from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [schema, table],
  );
  return result.rows.map((c) => {
    let type = c.data_type;
    if (type === 'numeric' && c.numeric_precision !== null) type = `numeric(${c.numeric_precision},${c.numeric_scale})`;
    else if (type === 'character varying') type = `varchar(${c.character_maximum_length ?? ''})`;
    else if (type === 'timestamp without time zone') type = 'timestamp';
    else if (type === 'timestamp with time zone') type = 'timestamptz';
    return `${c.column_name} ${type}`;
  });
}
