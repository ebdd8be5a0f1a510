/**
 * History and point in time, on each engine: the Pagila project (scale 1) built three times, as of three
 * successive month ends (`--vars '{as_of_date: ...}'`), the snapshot snap_customer_metrics running inside
 * each build. After each build gold is compared with plain SQL over the raw tables cut at that date; at
 * the end the history must hold exactly the versions the three gold tables imply: a customer whose tier
 * changed has its rows, gl_is_current true on one, and gl_created_time unchanged since the first build.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { goldRows, rawRows, type MetricsRow } from './gold-sql.js';
import { copyPagilaProject, describeRun, strata, summary, writeTargets, type CliResult } from './pagila-project.js';

const MONTH_ENDS = ['2022-10-31', '2022-11-30', '2022-12-31'] as const;

interface HistoryRow {
  customer_id: number;
  version_number: number;
  customer_tier: string;
  total_rentals: number;
  total_revenue: string;
  gl_created_time: string;
  gl_valid_from: string;
  gl_valid_to: string | null;
  gl_is_current: boolean;
}

interface Transition {
  month_start: string;
  from_tier: string;
  to_tier: string;
  customers: number;
}

describeEachEngine('pagila history: three month ends', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let projectDir: string;
  const builds: CliResult[] = [];
  /** gl_customer_metrics after each build, and plain SQL at that date. */
  const gold: MetricsRow[][] = [];
  const expected: MetricsRow[][] = [];
  let history: HistoryRow[] = [];
  let transitions: Transition[] = [];

  async function withDb<T>(fn: (adapter: Adapter) => Promise<T>): Promise<T> {
    const adapter = await openAdapter(target);
    try {
      return await fn(adapter);
    } finally {
      await adapter.close();
    }
  }

  beforeAll(async () => {
    schema = uniqueSchema('pagila_hist');
    target = engine.makeIsolatedTarget(schema);
    projectDir = copyPagilaProject();
    writeTargets(projectDir, { test: target }, 'test');
    for (const asOf of MONTH_ENDS) {
      const build = await strata(['build', '--vars', `{as_of_date: '${asOf}'}`, '--project-dir', projectDir]);
      builds.push(build);
      if (build.exitCode !== 0) return;
      await withDb(async (adapter) => {
        gold.push(await goldRows(adapter, `${schema}_gold`));
        expected.push(await rawRows(adapter, `${schema}_raw`, 'true', asOf));
      });
    }
    await withDb(async (adapter) => {
      history = (
        await adapter.query<HistoryRow>(
          `select customer_id, version_number, customer_tier, total_rentals, total_revenue::text as total_revenue,
                  gl_created_time::text as gl_created_time, gl_valid_from::text as gl_valid_from,
                  gl_valid_to::text as gl_valid_to, gl_is_current
           from ${quoteIdent(`${schema}_gold`)}.gold_customer_metrics_history order by customer_id, version_number`,
        )
      ).rows;
      transitions = (
        await adapter.query<Transition>(
          `select month_start::text as month_start, from_tier, to_tier, customers
           from ${quoteIdent(`${schema}_gold`)}.gold_tier_transitions order by 1, 2, 3`,
        )
      ).rows;
    });
  }, 300_000);

  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('builds each month end with every test passing or warning', () => {
    expect(builds).toHaveLength(3);
    for (const build of builds) {
      expect(build.exitCode, describeRun(build)).toBe(0);
      expect(summary(build.stdout), describeRun(build)).toMatchObject({ error: 0, skip: 0 });
      expect(build.stdout).toMatch(/OK (created|snapshotted) snapshot snapshot \S+\.snap_customer_metrics /);
    }
  });

  it('computes gold as of each month end, as plain SQL over the raw tables cut at that date', () => {
    expect(gold).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(gold[i].length, MONTH_ENDS[i]).toBeGreaterThan(500);
      expect(gold[i], MONTH_ENDS[i]).toEqual(expected[i]);
    }
    // Later months know more: rentals only grow.
    const rentals = gold.map((rows) => rows.reduce((sum, row) => sum + row.total_rentals, 0));
    expect(rentals[0]).toBeLessThan(rentals[1]);
    expect(rentals[1]).toBeLessThan(rentals[2]);
  });

  it('keeps a version per change of a measure, the current one last, each customer created once', () => {
    const byCustomer = new Map<number, HistoryRow[]>();
    for (const row of history) byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row]);
    const measures = (row: MetricsRow | HistoryRow) => `${row.total_rentals}|${row.total_revenue}|${row.customer_tier}`;
    const states = new Map<number, MetricsRow[]>();
    for (const rows of gold) for (const row of rows) states.set(row.customer_id, [...(states.get(row.customer_id) ?? []), row]);

    expect(byCustomer.size).toBe(gold[2].length);
    for (const [customer, seen] of states) {
      // One version per run of equal measures (first and last rental dates move with the rentals).
      const expectedVersions = seen.filter((row, i) => i === 0 || measures(row) !== measures(seen[i - 1]));
      const versions = byCustomer.get(customer) ?? [];
      expect(versions.map(measures), `customer ${customer}`).toEqual(expectedVersions.map(measures));
      expect(versions.filter((row) => row.gl_is_current), `customer ${customer}`).toHaveLength(1);
      expect(versions.at(-1)!.gl_is_current).toBe(true);
      expect(new Set([...versions.map((row) => row.gl_created_time), ...seen.map((row) => row.gl_created_time)]).size, `customer ${customer}`).toBe(1);
    }
  });

  it('gives a customer whose tier changed once two rows: the old one closed, the current one open', () => {
    const changedOnce = [...new Set(history.map((row) => row.customer_id))].filter((customer) => {
      const versions = history.filter((row) => row.customer_id === customer);
      return versions.length === 2 && versions[0].customer_tier !== versions[1].customer_tier;
    });
    expect(changedOnce.length).toBeGreaterThan(0);
    const customer = changedOnce[0];
    const [before, after] = history.filter((row) => row.customer_id === customer);
    const firstBuild = gold[0].find((row) => row.customer_id === customer)!;
    const lastBuild = gold[2].find((row) => row.customer_id === customer)!;
    expect(before).toMatchObject({ gl_is_current: false, customer_tier: firstBuild.customer_tier, gl_valid_to: after.gl_valid_from });
    expect(after).toMatchObject({ gl_is_current: true, customer_tier: lastBuild.customer_tier, gl_valid_to: null });
    expect([before.gl_created_time, after.gl_created_time, lastBuild.gl_created_time]).toEqual(Array(3).fill(firstBuild.gl_created_time));
    expect(MONTH_ENDS.map((date) => `${date} 00:00:00`)).toContain(after.gl_valid_from);
  });

  it('counts the monthly tier transitions of the history', () => {
    const tierOf = (rows: MetricsRow[]) => new Map(rows.map((row) => [row.customer_id, row.customer_tier]));
    for (const [i, month] of [[1, '2022-11-01'], [2, '2022-12-01']] as const) {
      const before = tierOf(gold[i - 1]);
      const counts = new Map<string, number>();
      for (const row of gold[i]) {
        const key = `${before.get(row.customer_id) ?? 'New'}>${row.customer_tier}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const found = new Map(transitions.filter((t) => t.month_start === month).map((t) => [`${t.from_tier}>${t.to_tier}`, t.customers]));
      expect(found, month).toEqual(counts);
      expect([...found.keys()].some((key) => key.split('>')[0] !== key.split('>')[1] && !key.startsWith('New')), month).toBe(true);
    }
  });
});
