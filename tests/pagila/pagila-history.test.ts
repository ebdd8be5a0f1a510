/**
 * Point in time, on each engine: the Pagila project (scale 1) built three times, as of three successive
 * month ends (`--vars '{as_of_date: ...}'`). After each build gold is compared with plain SQL over the
 * raw tables cut at that date.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { goldRows, rawRows, type MetricsRow } from './gold-sql.js';
import { copyPagilaProject, describeRun, strata, summary, writeTargets, type CliResult } from './pagila-project.js';

const MONTH_ENDS = ['2022-10-31', '2022-11-30', '2022-12-31'] as const;

describeEachEngine('pagila point in time: three month ends', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let projectDir: string;
  const builds: CliResult[] = [];
  /** gl_customer_metrics after each build, and plain SQL at that date. */
  const gold: MetricsRow[][] = [];
  const expected: MetricsRow[][] = [];

  async function withDb<T>(fn: (adapter: Adapter) => Promise<T>): Promise<T> {
    const adapter = await openAdapter(target);
    try {
      return await fn(adapter);
    } finally {
      await adapter.close();
    }
  }

  beforeAll(async () => {
    schema = uniqueSchema('pagila_asof');
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
  }, 300_000);

  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('builds each month end with every test passing or warning', () => {
    expect(builds).toHaveLength(3);
    for (const build of builds) {
      expect(build.exitCode, describeRun(build)).toBe(0);
      expect(summary(build.stdout), describeRun(build)).toMatchObject({ error: 0, skip: 0 });
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
});
