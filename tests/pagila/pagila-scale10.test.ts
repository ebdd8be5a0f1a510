/**
 * The Pagila project on Postgres from generated scale-10 data (5,990 customers, 160,440 rentals):
 * the CSVs are loaded by `strata seed` into a source schema of their own (a target of the copied
 * project whose schema is not the build's), then `strata build --select +gold` builds from that
 * schema through the var `pagila_source_schema`, with the gold tests, and gold is checked against
 * the CSVs and the raw tables; the back-tests must meet their targets at this scale too (AUC
 * >= 0.75, MAE below the naive baseline), and agree with analytics-reference.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import type { PostgresTarget } from '../../compiler/project/target.js';
import { testPostgresUrl, uniqueSchema } from '../support/engines.js';
import { goldTierCounts, goldTotals, rawRows, goldRows, rawTierCounts, rawTotals } from './gold-sql.js';
import { loadActivity } from './analytics-reference.js';
import {
  churnBacktest,
  clvBacktest,
  compareChurnBacktest,
  compareChurnModelCounts,
  compareCurrentPredictions,
  parametersOf,
} from './analytics-checks.js';
import {
  copyPagilaProject,
  csvFigures,
  describeRun,
  formatCents,
  generatePagila,
  strata,
  summary,
  tempDir,
  withAdapter,
  writeTargets,
  type CliResult,
  type CsvFigures,
} from './pagila-project.js';

const url = testPostgresUrl();

describe.skipIf(!url)('pagila project at scale 10 [postgres]', () => {
  const sourceSchema = uniqueSchema('pagila10_src');
  const schema = uniqueSchema('pagila10');
  const rawSchema = `${sourceSchema}_raw`;
  const goldSchema = `${schema}_gold`;
  const target = (name: string, targetSchema: string): PostgresTarget => ({
    type: 'postgres',
    name,
    schema: targetSchema,
    threads: 4,
    url,
  });

  let dataDir: string;
  let projectDir: string;
  let figures: CsvFigures;
  let seed: CliResult;
  let build: CliResult;

  beforeAll(async () => {
    dataDir = tempDir('pagila10-data');
    await generatePagila(10, dataDir);
    figures = csvFigures(dataDir);
    projectDir = copyPagilaProject(dataDir);
    writeTargets(projectDir, { pg: target('pg', schema), source: target('source', sourceSchema) }, 'pg');
    seed = await strata(['seed', '--target', 'source', '--project-dir', projectDir]);
    if (seed.exitCode !== 0) return;
    build = await strata([
      'build', '--select', '+gold', '--target', 'pg', '--threads', '4',
      '--vars', JSON.stringify({ pagila_source_schema: rawSchema }),
      '--project-dir', projectDir,
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const dir of [dataDir, projectDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    // Schemas of uniqueSchema() are dropped by engines.ts only in describeEachEngine files.
    if (!url) return;
    await withAdapter(target('cleanup', 'public'), async (adapter) => {
      const found = await adapter.query<{ nspname: string }>(
        `select nspname from pg_namespace where nspname like $1 or nspname like $2`,
        [`${schema}\\_%`, `${sourceSchema}\\_%`],
      );
      for (const { nspname } of found.rows) await adapter.query(`drop schema if exists "${nspname}" cascade`);
    });
  });

  it('generates scale 10: 5,990 customers', () => {
    expect(figures.customers).toBe(5_990);
    expect(fs.readFileSync(path.join(dataDir, 'rental.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(160_440 + 1);
  });

  it('loads the CSVs into their own schema', () => {
    expect(seed.exitCode, describeRun(seed)).toBe(0);
    expect(summary(seed.stdout)).toMatchObject({ pass: 13, error: 0 });
  });

  it('builds +gold from that schema with every test passing', async () => {
    expect(build, 'the build did not run').toBeDefined();
    expect(build.exitCode, describeRun(build)).toBe(0);
    expect(build.stdout).toMatch(/PASS=\d+/);
    const counts = summary(build.stdout)!;
    expect(counts).toMatchObject({ error: 0, warn: 0, skip: 0 });
    expect(counts.pass).toBe(counts.total);
    for (const test of ['assert_gold_customer_count_matches_dim_customer', 'assert_gold_revenue_reconciles_to_payments']) {
      expect(build.stdout).toMatch(new RegExp(`PASS test ${test} `));
    }
    // The sources were the separate schema: nothing was loaded into the build's own `<schema>_raw`.
    const schemas = await withAdapter(target('check', schema), (adapter) =>
      adapter.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1 order by 1`, [`${schema}\\_%`]),
    );
    expect(schemas.rows.map((row) => row.nspname)).toEqual([`${schema}_bronze`, `${schema}_gold`, `${schema}_silver`]);
  });

  it('has 5,990 gold rows, the CSV revenue to the cent, and the tiers of the raw payments', async () => {
    const adapter = await openAdapter(target('check', schema));
    try {
      const totals = await goldTotals(adapter, goldSchema);
      expect(totals.rows).toBe(5_990);
      expect(totals.revenue).toBe(formatCents(figures.revenueCents));
      expect(totals).toEqual(await rawTotals(adapter, rawSchema));
      const tiers = await goldTierCounts(adapter, goldSchema);
      expect(tiers).toEqual(figures.tiers);
      expect(tiers).toEqual(await rawTierCounts(adapter, rawSchema));
      for (const count of Object.values(tiers)) expect(count).toBeGreaterThan(0);
      expect(await goldRows(adapter, goldSchema)).toEqual(await rawRows(adapter, rawSchema));
    } finally {
      await adapter.close();
    }
  });

  it('meets the back-test thresholds at scale 10, as the CSVs recompute them', async () => {
    const adapter = await openAdapter(target('check', schema));
    try {
      const churn = await churnBacktest(adapter, goldSchema);
      const clv = await clvBacktest(adapter, goldSchema);
      for (const population of ['all_customers', 'active_customers']) {
        expect(Number(churn.get(population)!.auc), population).toBeGreaterThanOrEqual(0.75);
        expect(Number(clv.get(population)!.mae_ratio), population).toBeLessThan(1);
      }
      const activity = loadActivity(dataDir);
      const parameters = parametersOf(activity);
      expect(await compareChurnModelCounts(adapter, goldSchema, activity, parameters)).toEqual([]);
      expect(await compareChurnBacktest(adapter, goldSchema, activity, parameters)).toEqual([]);
      expect(await compareCurrentPredictions(adapter, goldSchema, activity, parameters)).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});
