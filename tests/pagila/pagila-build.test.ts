/**
 * The Pagila project of this repository, built by the CLI (a child process, as users run it) on a copy
 * of the project at scale 1 (the committed seeds), on each engine; then gold is checked against figures
 * computed without the models: from the seed CSVs in plain JavaScript (analytics-reference.ts for the
 * churn and lifetime-value models, with the parameters they learned), and from the raw seed tables in
 * plain SQL. The back-test targets (AUC >= 0.75, MAE below the naive baseline) are read
 * from the back-test tables.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { cohortSizes, loadActivity, revenueByMonth } from './analytics-reference.js';
import {
  churnBacktest,
  clvBacktest,
  compareChurnBacktest,
  compareChurnModelCounts,
  compareCurrentPredictions,
  compareKpiRevenue,
  parametersOf,
} from './analytics-checks.js';
import {
  columnTypes,
  goldRows,
  goldTierCounts,
  goldTotals,
  rawRows,
  rawTierCounts,
  rawTotals,
} from './gold-sql.js';
import {
  copyPagilaProject,
  csvFigures,
  describeRun,
  formatCents,
  SEED_TABLES,
  SEEDS_DIR,
  strata,
  summary,
  writeTargets,
  type CliResult,
} from './pagila-project.js';

/** Scale 1, from seeds/*.csv alone. */
const seeds = csvFigures(SEEDS_DIR);
const activity = loadActivity(SEEDS_DIR);
const parameters = parametersOf(activity);

describeEachEngine('pagila project at scale 1', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let projectDir: string;
  let build: CliResult;
  let adapter: Adapter | undefined;

  const gold = () => `${schema}_gold`;
  const raw = () => `${schema}_raw`;

  /** The adapter on the build's target, opened on first use (PGlite: closed again before each CLI run). */
  async function db(): Promise<Adapter> {
    adapter ??= await openAdapter(target);
    return adapter;
  }
  async function closeDb(): Promise<void> {
    const open = adapter;
    adapter = undefined;
    await open?.close();
  }

  beforeAll(async () => {
    schema = uniqueSchema('pagila');
    target = engine.makeIsolatedTarget(schema);
    projectDir = copyPagilaProject();
    writeTargets(projectDir, { test: target }, 'test');
    build = await strata(['build', '--project-dir', projectDir]);
  });

  afterAll(async () => {
    await closeDb();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('builds seeds, bronze, silver and gold with every test passing', async () => {
    expect(build.exitCode, describeRun(build)).toBe(0);
    const counts = summary(build.stdout);
    expect(counts, describeRun(build)).toBeDefined();
    expect(counts).toMatchObject({ error: 0, warn: 0, skip: 0 });
    expect(counts!.pass).toBe(counts!.total);
    expect(counts!.pass).toBeGreaterThanOrEqual(280);
    expect(build.stdout).toMatch(/OK created snapshot snapshot \S+\.snap_customer_metrics /);

    const relations = await (await db()).query<{ table_schema: string; table_type: string; n: number }>(
      `select table_schema, table_type, count(*)::int as n from information_schema.tables
       where table_schema like $1 group by 1, 2 order by 1, 2`,
      [`${schema}\\_%`],
    );
    expect(relations.rows).toEqual([
      { table_schema: `${schema}_bronze`, table_type: 'VIEW', n: 13 },
      // 15 models and the history of the snapshot
      { table_schema: `${schema}_gold`, table_type: 'BASE TABLE', n: 16 },
      { table_schema: `${schema}_gold`, table_type: 'VIEW', n: 2 },
      { table_schema: `${schema}_raw`, table_type: 'BASE TABLE', n: SEED_TABLES.length },
      { table_schema: `${schema}_silver`, table_type: 'BASE TABLE', n: 6 },
    ]);
  });

  it('has one gold row per customer: 599', async () => {
    const totals = await goldTotals(await db(), gold());
    expect(seeds.customers).toBe(599);
    expect(totals.rows).toBe(seeds.customers);
    expect(totals.rows).toBe((await rawTotals(await db(), raw())).rows);
  });

  it('totals the revenue of seeds/payment.csv to the cent', async () => {
    const totals = await goldTotals(await db(), gold());
    expect(formatCents(seeds.revenueCents)).toBe('63783.31');
    expect(totals.revenue).toBe(formatCents(seeds.revenueCents));
    expect(totals.revenue).toBe((await rawTotals(await db(), raw())).revenue);
    expect(totals.rentals).toBe(16_044);
  });

  it('puts customers in all four tiers, as the raw payments at 100 / 50 / 20 do', async () => {
    const counts = await goldTierCounts(await db(), gold());
    expect(counts).toEqual({ Platinum: 198, Gold: 110, Silver: 116, Bronze: 175 });
    expect(counts).toEqual(seeds.tiers);
    expect(counts).toEqual(await rawTierCounts(await db(), raw()));
  });

  it('places customers on and one cent below each threshold in the right tier', async () => {
    const rows = await goldRows(await db(), gold(), `total_revenue in (100.00, 99.99, 50.00, 49.99, 20.00, 19.99)`);
    const byRevenue = new Map<string, Set<string>>();
    for (const row of rows) byRevenue.set(row.total_revenue, (byRevenue.get(row.total_revenue) ?? new Set()).add(row.customer_tier));
    expect(Object.fromEntries([...byRevenue].map(([revenue, tiers]) => [revenue, [...tiers]]))).toEqual({
      '100.00': ['Platinum'],
      '99.99': ['Gold'],
      '50.00': ['Gold'],
      '49.99': ['Silver'],
      '20.00': ['Silver'],
      '19.99': ['Bronze'],
    });
  });

  it('matches a hand-checked customer (313: a heavy renter who stopped in September, a rental paid in two payments, a zero payment)', async () => {
    // From seeds/rental.csv, payment.csv and customer.csv: created 2021-02-05; 101 rentals from
    // 2022-01-18 16:18:53+00 to 2022-09-26 10:06:53+00; 102 payments totalling 427.00, the last at
    // 2022-09-26 11:20:20+00. Active days 252 → 252 / 30.4375 months.
    const expected = {
      customer_id: 313,
      total_rentals: 101,
      total_revenue: '427.00',
      avg_rental_value: '4.23', // 427.00 / 101 = 4.2277
      first_rental_date: '2022-01-18',
      last_rental_date: '2022-09-26',
      avg_rentals_per_month: '12.20', // 101 / (252 / 30.4375) = 12.1992
      customer_tier: 'Platinum',
      is_high_value: true,
      gl_created_time: '2021-02-05 00:00:00',
      gl_updated_time: '2022-09-26 11:20:20',
    };
    expect(await rawRows(await db(), raw(), 'customer_id = 313')).toEqual([expected]);
    expect(await goldRows(await db(), gold(), 'customer_id = 313')).toEqual([expected]);
    // 96 days without a rental at as_of (2022-12-31): lapsed, very likely churned, next to no value.
    const risk = await (await db()).query<Record<string, unknown>>(
      `select churn_status, churn_risk_band, recency_days, customer_lifetime_value::text as clv
       from ${quoteIdent(gold())}.gold_customer_churn_risk where customer_id = 313`,
    );
    expect(risk.rows).toEqual([{ churn_status: 'lapsed', churn_risk_band: 'Very high', recency_days: 96, clv: expect.any(String) }]);
    expect(Number(risk.rows[0].clv)).toBeLessThan(5);
  });

  it('gives a customer who never rented zero counts, no dates, no lifetime value and Bronze', async () => {
    const rows = await goldRows(await db(), gold(), 'total_rentals = 0');
    expect(rows).toHaveLength(15);
    expect(rows[0]).toEqual({
      customer_id: 13,
      total_rentals: 0,
      total_revenue: '0.00',
      avg_rental_value: '0.00',
      first_rental_date: null,
      last_rental_date: null,
      avg_rentals_per_month: '0.00',
      customer_tier: 'Bronze',
      is_high_value: false,
      gl_created_time: expect.stringMatching(/^20\d\d-\d\d-\d\d 00:00:00$/),
      gl_updated_time: rows[0].gl_created_time,
    });
    const clv = await (await db()).query<{ n: number }>(
      `select count(*)::int as n from ${quoteIdent(gold())}.gl_customer_metrics where total_rentals = 0 and customer_lifetime_value <> 0`,
    );
    expect(clv.rows[0].n).toBe(0);
  });

  it('matches plain SQL over the raw tables for every customer', async () => {
    const expected = await rawRows(await db(), raw());
    expect(expected).toHaveLength(599);
    expect(await goldRows(await db(), gold())).toEqual(expected);
  });

  it('has the columns and types of the spec', async () => {
    expect(await columnTypes(await db(), gold(), 'gl_customer_metrics')).toEqual([
      'gl_customer_metrics_key uuid',
      'customer_id integer',
      'total_rentals integer',
      'total_revenue numeric(10,2)',
      'avg_rental_value numeric(5,2)',
      'last_rental_date date',
      'first_rental_date date',
      'customer_lifetime_value numeric(10,2)',
      'avg_rentals_per_month numeric(5,2)',
      'customer_score numeric(8,2)',
      'customer_tier varchar(20)',
      'is_high_value boolean',
      'gl_created_time timestamp',
      'gl_updated_time timestamp',
      'gl_is_current boolean',
    ]);
  });

  it('has the unique customer_id index and the customer_tier index', async () => {
    const indexes = await (await db()).query<{ indexdef: string; is_primary: boolean }>(
      `select i.indexdef, coalesce(x.indisprimary, false) as is_primary
       from pg_indexes i
       left join pg_index x on x.indexrelid = to_regclass(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))
       where i.schemaname = $1 and i.tablename = 'gl_customer_metrics'`,
      [gold()],
    );
    const shapes = (primary: boolean) =>
      indexes.rows
        .filter((row) => row.is_primary === primary)
        .map((row) => row.indexdef.replace(/INDEX \S+ ON \S+/, 'INDEX ON gl_customer_metrics'))
        .sort();
    expect(shapes(false)).toEqual([
      'CREATE INDEX ON gl_customer_metrics USING btree (customer_tier)',
      'CREATE UNIQUE INDEX ON gl_customer_metrics USING btree (customer_id)',
    ]);
    // A primary key, when the model declares one, is on the key column and nothing else.
    for (const shape of shapes(true)) {
      expect(shape).toBe('CREATE UNIQUE INDEX ON gl_customer_metrics USING btree (gl_customer_metrics_key)');
    }
  });

  it('keeps scores in 0-100, marks every row current, and agrees with gold_platform_metrics', async () => {
    const check = await (await db()).query<Record<string, unknown>>(
      `select min(customer_score)::text as min_score, max(customer_score)::text as max_score,
              bool_and(gl_is_current) as all_current, bool_and(gl_created_time <= gl_updated_time) as created_before_updated
       from ${quoteIdent(gold())}.gl_customer_metrics`,
    );
    expect(check.rows[0]).toEqual({ min_score: '0.00', max_score: '100.00', all_current: true, created_before_updated: true });
    const platform = await (await db()).query<Record<string, unknown>>(
      `select total_customers, customers_without_rentals, total_revenue::text as total_revenue, total_rentals,
              platinum_customers, gold_customers, silver_customers, bronze_customers, high_value_customers
       from ${quoteIdent(gold())}.gold_platform_metrics`,
    );
    expect(platform.rows).toEqual([
      {
        total_customers: 599,
        customers_without_rentals: 15,
        total_revenue: formatCents(seeds.revenueCents),
        total_rentals: 16_044,
        platinum_customers: seeds.tiers.Platinum,
        gold_customers: seeds.tiers.Gold,
        silver_customers: seeds.tiers.Silver,
        bronze_customers: seeds.tiers.Bronze,
        high_value_customers: seeds.tiers.Platinum + seeds.tiers.Gold,
      },
    ]);
  });

  it('predicts each customer\'s churn and lifetime value as the definitions say, with what the models learned', async () => {
    expect(await compareChurnModelCounts(await db(), gold(), activity, parameters)).toEqual([]);
    expect(await compareCurrentPredictions(await db(), gold(), activity, parameters)).toEqual([]);
  });

  it('back-tests the churn score: AUC >= 0.75 on both populations, recomputed from the CSVs', async () => {
    const backtest = await churnBacktest(await db(), gold());
    for (const population of ['all_customers', 'active_customers']) {
      const row = backtest.get(population)!;
      expect(row.is_measured, population).toBe(true);
      expect(Number(row.auc), population).toBeGreaterThanOrEqual(0.75);
      expect(Number(row.top_decile_lift), population).toBeGreaterThan(1);
    }
    expect(await compareChurnBacktest(await db(), gold(), activity, parameters)).toEqual([]);
    const calibration = await (await db()).query<{ bands: number; customers: number }>(
      `select count(*)::int as bands, sum(customers)::int as customers from ${quoteIdent(gold())}.gold_churn_calibration
       where population = 'all_customers'`,
    );
    expect(calibration.rows[0].customers).toBe(backtest.get('all_customers')!.customers);
  });

  it('back-tests the lifetime value: MAE below the naive baseline on both populations', async () => {
    const backtest = await clvBacktest(await db(), gold());
    for (const population of ['all_customers', 'active_customers']) {
      const row = backtest.get(population)!;
      expect(row.is_measured, population).toBe(true);
      expect(Number(row.mae_ratio), population).toBeLessThan(1);
      expect(Number(row.mae_model), population).toBeLessThan(Number(row.mae_naive));
    }
  });

  it('reconciles the monthly KPI revenue and the cohorts to the CSVs', async () => {
    expect(await compareKpiRevenue(await db(), gold(), revenueByMonth(activity, parameters.asOf))).toEqual([]);
    const cohorts = await (await db()).query<{ cohort: string; size: number }>(
      `select cohort_month::text as cohort, cohort_customers as size from ${quoteIdent(gold())}.gold_cohort_retention
       where months_since_acquisition = 0 order by 1`,
    );
    expect(new Map(cohorts.rows.map((row) => [row.cohort, row.size]))).toEqual(cohortSizes(activity, parameters.asOf));
  });

  it('warns when a KPI moves past the threshold, and fails when KPI revenue stops reconciling', async () => {
    await closeDb();
    // The latest complete month moves less than 25 %: the default build had no warning. At 1 % it has.
    const watched = await strata([
      'test', '--select', 'warn_kpi_monthly_moves', '--vars', '{kpi_change_warn_threshold: 0.01}', '--project-dir', projectDir,
    ]);
    expect(watched.exitCode, describeRun(watched)).toBe(0);
    expect(watched.stdout).toMatch(/WARN test warn_kpi_monthly_moves .*\[WARN \d+/);
    expect(summary(watched.stdout)).toMatchObject({ warn: 1, error: 0 });

    // A payment the KPI model has not seen (loaded after the build): the reconciliation is an error.
    await (await db()).query(
      `insert into ${quoteIdent(raw())}.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date)
       values (999999, 1, 1, 1, 1.00, '2022-12-15 12:00:00+00')`,
    );
    await closeDb();
    const broken = await strata(['test', '--select', 'assert_kpi_revenue_reconciles_to_payments', '--project-dir', projectDir]);
    await (await db()).query(`delete from ${quoteIdent(raw())}.payment where payment_id = 999999`);
    await closeDb();
    expect(broken.exitCode, describeRun(broken)).toBe(1);
    expect(broken.stdout).toMatch(/FAIL test assert_kpi_revenue_reconciles_to_payments .*\[FAIL 1/);
  });

  it('`strata show --select gold_customer_metrics --limit 5` prints five rows', async () => {
    await closeDb();
    const show = await strata(['show', '--select', 'gold_customer_metrics', '--limit', '5', '--project-dir', projectDir]);
    expect(show.exitCode, describeRun(show)).toBe(0);
    const uuidRows = show.stdout.split('\n').filter((line) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} +\|/.test(line));
    expect(uuidRows).toHaveLength(5);
    expect(show.stdout).toContain('(5 rows)');
    expect(show.stdout.split('\n').find((line) => line.includes('|'))).toMatch(/gl_customer_metrics_key +\| customer_id +\| total_rentals/);
  });

  it('keeps gl_customer_metrics_key and gl_created_time across two builds', async () => {
    const keysOf = async () =>
      (
        await (await db()).query<{ customer_id: number; key: string; expected: string; created: string; relation: string }>(
          `select customer_id, gl_customer_metrics_key::text as key,
                  md5('pagila.customer.' || customer_id)::uuid::text as expected, gl_created_time::text as created,
                  (select oid::text from pg_class where oid = to_regclass($1)) as relation
           from ${quoteIdent(gold())}.gl_customer_metrics order by customer_id`,
          [`${quoteIdent(gold())}.gl_customer_metrics`],
        )
      ).rows;
    const first = await keysOf();
    expect(first.every((row) => row.key === row.expected)).toBe(true);
    expect(new Set(first.map((row) => row.key)).size).toBe(599);

    await closeDb();
    const rebuild = await strata(['build', '--select', 'gold_customer_metrics', '--project-dir', projectDir]);
    expect(rebuild.exitCode, describeRun(rebuild)).toBe(0);
    expect(summary(rebuild.stdout)).toMatchObject({ error: 0 });

    const second = await keysOf();
    // The table was rebuilt (a new relation swapped in); the keys and the creation times did not move.
    expect(second[0].relation).not.toBe(first[0].relation);
    expect(second.map((row) => [row.customer_id, row.key, row.created])).toEqual(first.map((row) => [row.customer_id, row.key, row.created]));
  });
});
