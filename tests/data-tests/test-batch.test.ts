/**
 * The built-in generic tests of one model (not_null, unique, accepted_values, relationships) are
 * answered by one query on the model: each still reports what its own query gives, failures, status
 * (severity, warn_if/error_if), where, limit, sample rows and store_failures. A unique test is proved
 * to pass in the shared scan (as many values as distinct ones, compared as themselves for integers and
 * through their hash for text); one with duplicates is counted by its own query.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { openSession, select } from '../../compiler/cli/session.js';
import { consoleReporter } from '../../compiler/report/reporter.js';
import type { NodeId } from '../../compiler/manifest/types.js';
import { buildPlan } from '../../compiler/plan/build-plan.js';
import type { RunContext } from '../../compiler/run/run-context.js';
import { BATCH_VAR, batchQuery, batchedFailures, keyTypesQuery } from '../../compiler/run/test-batch.js';
import type { Connection } from '../../compiler/adapters/adapter.js';
import type { Step } from '../../compiler/plan/build-plan.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { runResults, strata, targetYaml, withAdapter, writeFiles } from '../engine/cli.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const SCHEMA_YML = `version: 2
models:
  - name: orders
    columns:
      - name: id
        tests:
          - unique:
              config: {store_failures: true}
          - not_null:
              config: {severity: warn}
      - name: customer_id
        tests:
          - not_null
          - relationships:
              to: ref('customers')
              field: id
      - name: status
        tests:
          - accepted_values:
              values: ['placed', 'shipped']
          - accepted_values:
              values: ['placed']
              config: {limit: 1}
          - not_null:
              config: {where: "amount > 5"}
      - name: amount
        tests:
          - not_null
          - unique:
              config: {where: "status = 'lost'", warn_if: ">0", error_if: ">5"}
      - name: code
        tests:
          - unique:
              config: {severity: warn}
  - name: returns
    columns:
      - name: status
        tests:
          - unique:
              config: {where: "amount > 6"}
          - not_null
`;

/** id 2 twice and one null id; customer 3 does not exist; status 'lost' twice (and 'shipped'); code 'A-2' twice. */
const ORDERS = `select * from (values
  (1, 1, 'placed', 10, 'A-1'), (2, 1, 'shipped', 20, 'A-2'), (2, 3, 'lost', 5, 'A-2'), (3, 2, 'lost', 7, 'a-3'), (null, 2, 'placed', 1, null)
) as t(id, customer_id, status, amount, code)`;

/** The same statuses: distinct where amount > 6 (a text key that passes). */
const RETURNS = `select * from (values ('placed', 10), ('shipped', 20), ('lost', 5), ('lost', 7), ('placed', 1)) as t(status, amount)`;

const EXPECTED: Record<string, { status: string; failures: number }> = {
  unique_orders_id: { status: 'fail', failures: 1 },
  not_null_orders_id: { status: 'warn', failures: 1 },
  not_null_orders_customer_id: { status: 'pass', failures: 0 },
  relationships_orders_customer_id__id__ref_customers_: { status: 'fail', failures: 1 },
  accepted_values_orders_status__placed__shipped: { status: 'fail', failures: 1 },
  accepted_values_orders_status__placed: { status: 'fail', failures: 1 },
  not_null_orders_status: { status: 'pass', failures: 0 },
  not_null_orders_amount: { status: 'pass', failures: 0 },
  unique_orders_amount: { status: 'pass', failures: 0 },
  unique_orders_code: { status: 'warn', failures: 1 },
  unique_returns_status: { status: 'pass', failures: 0 },
  not_null_returns_status: { status: 'pass', failures: 0 },
};

describeEachEngine('generic tests of a model in one query', (engine) => {
  it('report each test as its own query does, failing ones with their rows and stored failures', { timeout: 120_000 }, async () => {
    const schema = uniqueSchema('tbatch');
    const target = engine.makeIsolatedTarget(schema);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-tbatch-'));
    tempDirs.push(dir);
    writeFiles(dir, {
      'project.yml': `name: tbatch\nmodels:\n  tbatch:\n    +materialized: table\n${targetYaml(target)}`,
      'models/customers.sql': `select * from (values (1, 'a'), (2, 'b')) as t(id, name)`,
      'models/orders.sql': ORDERS,
      'models/returns.sql': RETURNS,
      'models/schema.yml': SCHEMA_YML,
    });

    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    const results = runResults(dir);
    const names = [...results.keys()].filter((name) => results.get(name)!.unique_id.startsWith('test.'));
    // A long test name ends with a hash, as dbt's do: matched by its start.
    const byName = (name: string) => {
      const found = names.find((n) => n === name) ?? names.find((n) => n.startsWith(`${name}_`));
      expect(found, `${name} in ${names.join(', ')}`).toBeDefined();
      return results.get(found!)!;
    };
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const r = byName(name);
      expect({ name, status: r.status, failures: r.failures }).toEqual({ name, ...expected });
    }

    // The plan batched the ten tests of orders, and its one query gives the counts each test's own query
    // gives, or null (count alone) for a unique test with duplicates.
    const session = openSession({ projectDir: dir, logFormat: 'text' });
    const selection = select(session, { projectDir: dir, logFormat: 'text' }, consoleReporter());
    const plan = buildPlan(session.parsed.manifest, session.dag, selection.ids, 'build');
    const testSteps = plan.steps.filter((s) => s.kind === 'test' && session.parsed.manifest.nodes[s.id].test?.attachedNode?.endsWith('.orders'));
    const relationshipsStep = testSteps.find((s) => s.id.includes('relationships'))!;
    const plainBatch = testSteps.find((s) => s.kind === 'test' && s.id.includes('not_null_orders_id'));
    expect(plainBatch?.kind === 'test' && plainBatch.batch?.length).toBe(10);
    // relationships waits for customers too, so the whole batch does: they are all ready at once.
    expect(relationshipsStep.kind === 'test' && relationshipsStep.batch).toEqual(plainBatch?.kind === 'test' && plainBatch.batch);
    expect(new Set(testSteps.map((s) => s.after.join(','))).size).toBe(1);
    const context = { parsed: session.parsed } as RunContext;
    const batches = [(plainBatch as { batch: NodeId[] }).batch];
    const returnsStep = plan.steps.find((s) => s.kind === 'test' && s.id.includes('unique_returns_status'));
    batches.push((returnsStep as { batch: NodeId[] }).batch);
    expect(batches[1]).toHaveLength(2);
    const probe = keyTypesQuery(context, batches[0])!;
    expect(probe.columns.size).toBe(3);
    const extras = JSON.parse(fs.readFileSync(path.join(dir, 'target/strata_run_results.json'), 'utf8')) as {
      results: Record<string, { sample_rows?: Record<string, unknown>[] }>;
    };
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { compiled_code: string }> };
    await withAdapter(target, async (adapter) => {
      // The column types decide how duplicates are looked for: integers as themselves, text by hash.
      const fields = (await adapter.query(probe.sql)).fields;
      const keyTypes = new Map([...probe.columns].map(([id, column]) => [id, fields.find((f) => f.name === column)!.dataTypeID]));
      const typed = batchQuery(context, batches[0], keyTypes)!;
      expect(typed.columns.size).toBe(10);
      expect(typed.sql).toContain('count(distinct (id))');
      expect(typed.sql).toContain('count(distinct hash_array_extended(array[(code)], 0))');
      const hashedOnly = batchQuery(context, batches[0])!;
      expect(hashedOnly.sql).toContain('count(distinct hash_array_extended(array[(id)], 0))');
      const returnsProbe = keyTypesQuery(context, batches[1])!;
      const returnsFields = (await adapter.query(returnsProbe.sql)).fields;
      const returnsTypes = new Map([...returnsProbe.columns].map(([id, column]) => [id, returnsFields.find((f) => f.name === column)!.dataTypeID]));
      const queries = [typed, hashedOnly, batchQuery(context, batches[1], returnsTypes)!];
      expect(queries[2].sql).toContain('hash_array_extended(array[(status)], 0)');
      const nameOf = new Map(Object.keys(EXPECTED).map((name) => [byName(name).unique_id, name]));
      const seen = new Set<string>();
      for (const query of queries) {
        const combined = (await adapter.query<Record<string, string | number | null>>(query.sql)).rows[0];
        for (const [id, column] of query.columns) {
          const name = nameOf.get(id)!;
          const r = byName(name);
          seen.add(name);
          // Null only where the test counts alone: a unique test with duplicates.
          if (combined[column] === null) expect({ name, failing: r.failures! > 0, unique: name.startsWith('unique_') }).toEqual({ name, failing: true, unique: true });
          else expect(Number(combined[column]), name).toBe(r.failures);
        }
      }
      expect([...seen].sort()).toEqual(Object.keys(EXPECTED).sort());
      for (const name of Object.keys(EXPECTED)) {
        const r = byName(name);
        const id = r.unique_id as NodeId;
        const compiled = manifest.nodes[id].compiled_code;
        const alone = await adapter.query(`select * from (${compiled}) as alone`);
        const limit = session.parsed.manifest.nodes[id].config.limit;
        expect(Math.min(alone.rows.length, typeof limit === 'number' ? limit : Infinity), name).toBe(r.failures);
        const sample = extras.results[id]?.sample_rows;
        if (r.failures! > 0) expect(sample?.length, `${name} sample rows`).toBeGreaterThan(0);
        else expect(sample, name).toBeUndefined();
      }
      const stored = await adapter.query<{ unique_field: number; n_records: number | string }>(
        `select unique_field, n_records from ${quoteIdent(`${schema}_test_failures`)}.${quoteIdent('unique_orders_id')}`,
      );
      expect(stored.rows.map((row) => [Number(row.unique_field), Number(row.n_records)])).toEqual([[2, 2]]);
    });

    // The var strata_batch_data_tests: false turns the shared statement off: no batch is asked of the
    // database, and each test, now counted by its own query, reports the same.
    const off = { parsed: { ...session.parsed, project: { ...session.parsed.project, vars: { [BATCH_VAR]: false } } } } as RunContext;
    const untouched = { query: () => Promise.reject(new Error('no statement expected')) } as unknown as Connection;
    expect(await batchedFailures(plainBatch as Extract<Step, { kind: 'test' }>, off, untouched)).toBeUndefined();
    const alone = await strata(['test', '--project-dir', dir, '--vars', `{${BATCH_VAR}: false}`]);
    expect(alone.exitCode, alone.output).toBe(1);
    const aloneResults = runResults(dir);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const found = [...aloneResults.keys()].find((n) => n === name || n.startsWith(`${name}_`))!;
      expect({ name, status: aloneResults.get(found)!.status, failures: aloneResults.get(found)!.failures }).toEqual({ name, ...expected });
    }
  });
});
