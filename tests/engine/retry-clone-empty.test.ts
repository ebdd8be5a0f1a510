/**
 * `strata retry`, `strata clone --state` and `--empty`, run as users run them (the CLI in a child
 * process) on a small project, on each engine: what each leaves in the database and in run_results.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema, type TestEngine } from '../support/engines.js';
import { copyFixture, statuses, strata, withAdapter, writeFiles } from './cli.js';

/**
 * raw_orders (seed) → stg_orders (view) → orders (table, tested; divides by the var `div`) → order_totals;
 * `other` stands apart. `--vars '{div: 0}'` makes orders fail.
 */
const FILES: Record<string, string> = {
  'seeds/raw_orders.csv': 'id,amount\n1,10\n2,20\n3,30\n',
  'models/stg_orders.sql': "select id, amount from {{ ref('raw_orders') }}\n",
  'models/orders.sql': "{{ config(materialized='table') }}\nselect id, amount, amount / {{ var('div', 1) }} as share\nfrom {{ ref('stg_orders') }}\n",
  'models/order_totals.sql': "{{ config(materialized='table') }}\nselect sum(amount) as total from {{ ref('orders') }}\n",
  'models/other.sql': "{{ config(materialized='table') }}\nselect 1 as one\n",
  'models/_schema.yml': 'version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n',
};

/** A project on `targets` (the first is the default), in a temp directory. */
function project(targets: Record<string, TargetConfig>): string {
  const dir = copyFixture('shop');
  for (const sub of ['models', 'seeds', 'macros']) fs.rmSync(path.join(dir, sub), { recursive: true, force: true });
  const entries = Object.entries(targets).map(([name, t]) => {
    const entry = t.type === 'pglite' ? { type: 'pglite', path: t.path, schema: t.schema } : { type: 'postgres', url: t.url, schema: t.schema, threads: t.threads };
    return `  ${name}: ${JSON.stringify(entry)}`;
  });
  fs.writeFileSync(path.join(dir, 'project.yml'), `name: shop\nmodels:\n  shop:\n    +materialized: view\ntarget: ${Object.keys(targets)[0]}\ntargets:\n${entries.join('\n')}\n`);
  writeFiles(dir, FILES);
  return dir;
}

async function query(target: TargetConfig, sql: string): Promise<Record<string, unknown>[]> {
  return withAdapter(target, async (adapter) => (await adapter.query(sql)).rows);
}

async function relationTypes(target: TargetConfig, schema: string): Promise<Record<string, string>> {
  const rows = await query(target, `select table_name, table_type from information_schema.tables where table_schema = '${schema}' order by 1`);
  return Object.fromEntries(rows.map((r) => [String(r.table_name), String(r.table_type)]));
}

function runResultsDocument(dir: string): { args: Record<string, unknown>; results: { unique_id: string; status: string }[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
}

describeEachEngine('strata retry', (engine: TestEngine) => {
  it('reruns what failed or was skipped, with the recorded command, selection and vars; --vars given now wins', async () => {
    const schema = uniqueSchema('retry');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });

    const first = await strata(['build', '--select', '+order_totals', '--vars', '{div: 0}', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(1);
    expect(statuses(dir)).toEqual({
      order_totals: 'skipped',
      orders: 'error',
      not_null_orders_id: 'skipped',
      unique_orders_id: 'skipped',
      raw_orders: 'success',
      stg_orders: 'success',
    });
    const recorded = runResultsDocument(dir).args;
    expect(recorded).toMatchObject({ which: 'build', select: ['+order_totals'], vars: { div: 0 } });

    // The recorded vars again: the same error, and only the failed and skipped nodes ran.
    const again = await strata(['retry', '--project-dir', dir]);
    expect(again.exitCode, again.output).toBe(1);
    expect(again.output).toMatch(/Retrying 4 nodes of the last 'strata build'/);
    expect(Object.keys(statuses(dir)).sort()).toEqual(['not_null_orders_id', 'order_totals', 'orders', 'unique_orders_id']);
    expect(statuses(dir).orders).toBe('error');

    const fixed = await strata(['retry', '--vars', '{div: 2}', '--project-dir', dir]);
    expect(fixed.exitCode, fixed.output).toBe(0);
    expect(statuses(dir)).toEqual({ order_totals: 'success', orders: 'success', not_null_orders_id: 'pass', unique_orders_id: 'pass' });
    expect(runResultsDocument(dir).args).toMatchObject({ which: 'build', select: ['+order_totals'], vars: { div: 2 } });
    expect(await query(target, `select id, share from "${schema}".orders order by id`)).toEqual([
      { id: 1, share: 5 },
      { id: 2, share: 10 },
      { id: 3, share: 15 },
    ]);
    expect(await query(target, `select total::int as total from "${schema}".order_totals`)).toEqual([{ total: 60 }]);
    // Never selected, never built.
    expect(await relationTypes(target, schema)).not.toHaveProperty('other');

    const nothing = await strata(['retry', '--project-dir', dir]);
    expect(nothing.exitCode, nothing.output).toBe(0);
    expect(nothing.output).toMatch(/Nothing to retry: the last 'strata build' \(target\/run_results\.json\) had no error, failure or skipped node/);
  });

  it('reruns a failing test and the nodes it skipped, after the data is fixed', async () => {
    const schema = uniqueSchema('retry_test');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });
    fs.writeFileSync(path.join(dir, 'seeds/raw_orders.csv'), 'id,amount\n1,10\n1,20\n3,30\n');

    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(1);
    expect(statuses(dir)).toMatchObject({ unique_orders_id: 'fail', order_totals: 'skipped', other: 'success' });

    fs.writeFileSync(path.join(dir, 'seeds/raw_orders.csv'), 'id,amount\n1,10\n2,20\n3,30\n');
    // The seed itself succeeded last time: a retry does not reload it, so the test fails again.
    const stale = await strata(['retry', '--project-dir', dir]);
    expect(stale.exitCode, stale.output).toBe(1);
    expect(Object.keys(statuses(dir)).sort()).toEqual(['order_totals', 'unique_orders_id']);

    expect((await strata(['seed', '--project-dir', dir])).exitCode).toBe(0);
    // The last run_results.json is the seed's now: nothing to retry there.
    expect((await strata(['retry', '--project-dir', dir])).output).toMatch(/Nothing to retry: the last 'strata seed'/);
  });
});

describeEachEngine('strata retry after watch', (engine: TestEngine) => {
  it("retries a watch cycle's failed and skipped nodes with a build of them", async () => {
    const schema = uniqueSchema('retry_watch');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });
    expect((await strata(['seed', '--project-dir', dir])).exitCode).toBe(0);
    // What a watch cycle leaves after stg_orders failed: its id, and the model it skipped.
    const cycle = { args: { which: 'watch' }, results: [{ unique_id: 'model.shop.stg_orders', status: 'error' }, { unique_id: 'model.shop.orders', status: 'skipped' }] };
    fs.writeFileSync(path.join(dir, 'target/run_results.json'), JSON.stringify(cycle));
    const result = await strata(['retry', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toMatch(/Retrying 2 nodes of the last 'strata watch'/);
    expect(statuses(dir)).toEqual({ orders: 'success', stg_orders: 'success' });
    expect(runResultsDocument(dir).args).toMatchObject({ which: 'build' });
    expect(await query(target, `select count(*)::int as n from "${schema}".orders`)).toEqual([{ n: 3 }]);
  });
});

describe('strata retry without a previous run', () => {
  it('says there is nothing to retry from (exit 2), before any database', async () => {
    const dir = project({ test: { name: 'test', type: 'pglite', path: '.strata/embedded', schema: 'x', threads: 1 } as TargetConfig });
    const result = await strata(['retry', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/error STR168 {2}no previous run to retry: target\/run_results\.json does not exist {2}\(run strata build/);
    expect(fs.existsSync(path.join(dir, '.strata', 'embedded'))).toBe(false);
  });
});

describeEachEngine('strata clone', (engine: TestEngine) => {
  it("creates views of the --state manifest's relations, leaves existing ones, and replaces them with --full-refresh", async () => {
    const prodSchema = uniqueSchema('clone_prod');
    const devSchema = uniqueSchema('clone_dev');
    const prod = engine.makeTarget(prodSchema, { name: 'prod' });
    const dev = engine.makeTarget(devSchema, { name: 'dev' });
    await engine.closeSharedAdapter();
    const dir = project({ prod, dev });

    const built = await strata(['build', '--project-dir', dir]);
    expect(built.exitCode, built.output).toBe(0);
    const state = path.join(dir, 'prod-state');
    fs.cpSync(path.join(dir, 'target'), state, { recursive: true });

    // One relation of dev exists already: clone leaves it as it is.
    expect((await strata(['seed', '--target', 'dev', '--project-dir', dir])).exitCode).toBe(0);
    await query(dev, `delete from "${devSchema}".raw_orders where id = 3`);

    const cloned = await strata(['clone', '--state', state, '--target', 'dev', '--project-dir', dir]);
    expect(cloned.exitCode, cloned.output).toBe(0);
    expect(cloned.output).toMatch(new RegExp(`${devSchema}\\.raw_orders already exists \\(a table\\): left as it is`));
    expect(await relationTypes(dev, devSchema)).toEqual({ order_totals: 'VIEW', orders: 'VIEW', other: 'VIEW', raw_orders: 'BASE TABLE', stg_orders: 'VIEW' });
    // The views read prod's relations.
    expect(await query(dev, `select count(*)::int as n from "${devSchema}".orders`)).toEqual([{ n: 3 }]);
    expect(await query(dev, `select count(*)::int as n from "${devSchema}".raw_orders`)).toEqual([{ n: 2 }]);
    const definition = await query(dev, `select definition from pg_views where schemaname = '${devSchema}' and viewname = 'orders'`);
    expect(String(definition[0]!.definition)).toContain(prodSchema);
    expect(statuses(dir)).toMatchObject({ orders: 'success', raw_orders: 'skipped' });
    expect(runResultsDocument(dir).args).toMatchObject({ which: 'clone', state });

    // Again: everything exists, nothing changes.
    const again = await strata(['clone', '--state', state, '--target', 'dev', '--project-dir', dir]);
    expect(again.exitCode, again.output).toBe(0);
    expect(again.output).toMatch(/PASS=0 WARN=0 ERROR=0 SKIP=5 TOTAL=5/);

    // --full-refresh --as table: a copy of the rows replaces the existing relations of the selection.
    const copied = await strata(['clone', '--state', state, '--target', 'dev', '--full-refresh', '--as', 'table', '--select', 'raw_orders', 'orders', '--project-dir', dir]);
    expect(copied.exitCode, copied.output).toBe(0);
    expect(await relationTypes(dev, devSchema)).toMatchObject({ orders: 'BASE TABLE', raw_orders: 'BASE TABLE', stg_orders: 'VIEW' });
    expect(await query(dev, `select count(*)::int as n from "${devSchema}".raw_orders`)).toEqual([{ n: 3 }]);
    // prod is untouched.
    expect(await relationTypes(prod, prodSchema)).toEqual({ order_totals: 'BASE TABLE', orders: 'BASE TABLE', other: 'BASE TABLE', raw_orders: 'BASE TABLE', stg_orders: 'VIEW' });
  });

  it('reports a state relation missing on the target as an error of that node, and needs --state', async () => {
    const schema = uniqueSchema('clone_missing');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });
    expect((await strata(['compile', '--project-dir', dir])).exitCode).toBe(0);
    const state = path.join(dir, 'never-built');
    fs.cpSync(path.join(dir, 'target'), state, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'project.yml'),
      fs.readFileSync(path.join(dir, 'project.yml'), 'utf8').replace(`"schema":"${schema}"`, `"schema":"${schema}_dev"`),
    );
    const result = await strata(['clone', '--state', state, '--select', 'other', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(new RegExp(`models/other\\.sql {2}error STR169 {2}the --state relation ${schema}\\.other of model 'other' does not exist on this target`));

    const noState = await strata(['clone', '--project-dir', dir]);
    expect(noState.exitCode).toBe(2);
    expect(noState.output).toMatch(/error STR169 {2}strata clone needs --state DIR/);
  });
});

describeEachEngine('--empty', (engine: TestEngine) => {
  it('builds every selected model with zero rows and its columns, loads seeds, runs the tests', async () => {
    const schema = uniqueSchema('empty');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });

    const result = await strata(['build', '--empty', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(statuses(dir)).toMatchObject({ orders: 'success', order_totals: 'success', unique_orders_id: 'pass', raw_orders: 'success' });
    const count = async (name: string) => (await query(target, `select count(*)::int as n from "${schema}"."${name}"`))[0]!.n;
    expect(await count('raw_orders')).toBe(3);
    expect(await count('stg_orders')).toBe(0);
    expect(await count('orders')).toBe(0);
    // An aggregate of no rows is one row.
    expect(await count('order_totals')).toBe(1);
    const columns = await query(target, `select column_name, data_type from information_schema.columns where table_schema = '${schema}' and table_name = 'orders' order by ordinal_position`);
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'integer' },
      { column_name: 'amount', data_type: 'integer' },
      { column_name: 'share', data_type: 'integer' },
    ]);
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/shop/models/orders.sql'), 'utf8');
    expect(compiled).toContain(`from (select * from "${schema}"."stg_orders" where false limit 0) "_dbt_limit_subq_stg_orders"`);
    expect(runResultsDocument(dir).args).toMatchObject({ which: 'build', empty: true });

    // Without --empty, the rows.
    expect((await strata(['run', '--project-dir', dir])).exitCode).toBe(0);
    expect(await count('orders')).toBe(3);
  });

  it('catches a model whose SQL reads a column that is not there, without reading rows', async () => {
    const schema = uniqueSchema('empty_bad');
    const target = engine.makeTarget(schema);
    await engine.closeSharedAdapter();
    const dir = project({ test: target });
    fs.writeFileSync(path.join(dir, 'models/order_totals.sql'), "{{ config(materialized='table') }}\nselect sum(amout) as total from {{ ref('orders') }}\n");
    const result = await strata(['build', '--empty', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(/models\/order_totals\.sql:2:\d+ {2}error STR401 {2}database error 42703: column "amout" does not exist/);
  });
});
