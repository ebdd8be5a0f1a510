/**
 * Builds on a real database through the CLI (tests/fixtures/projects/runtime): hooks, indexes, the
 * atomic swap (dependent views survive a rebuild; a failed rebuild leaves the previous table), skips
 * after a failure, --fail-fast, threads, exit codes. The tests of a suite run in order on one target.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, statuses, strata, withAdapter } from './cli.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';

describeEachEngine('build', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let dir: string;
  /** inspectBase() after the first build. */
  let firstBuild: Awaited<ReturnType<typeof inspectBase>>;
  const q = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  const build = (...args: string[]) => strata(['build', '--project-dir', dir, ...args]);

  beforeAll(() => {
    schema = uniqueSchema('build');
    target = engine.makeIsolatedTarget(schema);
    dir = projectOn('runtime', target);
  });

  /** What a rebuild must keep: rows, the dependent view, indexes, the table comment. */
  async function inspectBase(adapter: Adapter) {
    const count = async (relation: string) => Number((await adapter.query<{ n: number }>(`select count(*) as n from ${q(relation)}`)).rows[0].n);
    const indexes = await adapter.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'base' order by indexname`,
      [schema],
    );
    const comment = await adapter.query<{ comment: string | null }>(`select obj_description($1::regclass, 'pg_class') as comment`, [q('base')]);
    const leftovers = await adapter.query<{ relname: string }>(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname like '%strata%'`,
      [schema],
    );
    return {
      base: await count('base'),
      view: await count('base_view'),
      indexes: indexes.rows.map((r) => r.indexdef.replace(/^.* USING /, 'USING ').replace(/ ON .*? USING /, ' ')),
      indexNames: indexes.rows.map((r) => r.indexname),
      comment: comment.rows[0].comment,
      leftovers: leftovers.rows.map((r) => r.relname),
    };
  }

  it('stops before any SQL when an upstream relation is missing (exit code 2)', async () => {
    const result = await build('--select', 'base_view');
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain(`${schema}.base (model.runtime.base)`);
    expect(result.output).toContain("--select '+base_view'");
  });

  it('builds a table with hooks and indexes, and a view on it (exit code 0)', async () => {
    const result = await build('--select', 'base base_view');
    expect(result.exitCode, result.output).toBe(0);
    expect(statuses(dir)).toEqual({ base: 'success', base_view: 'success' });
    await withAdapter(target, async (adapter) => {
      const state = await inspectBase(adapter);
      firstBuild = state;
      expect(state).toMatchObject({ base: 3, view: 3, comment: 'rows: 3', leftovers: [] });
      expect(state.indexes).toEqual(expect.arrayContaining(['USING btree (id)', 'USING btree (v)']));
      expect(state.indexes).toHaveLength(2);
      expect((await adapter.query(`select indexdef from pg_indexes where schemaname = $1 and tablename = 'base' and indexdef like 'CREATE UNIQUE%'`, [schema])).rows).toHaveLength(1);
      // +pre-hook created the audit table; +post-hook (project.yml) and post_hook (config()) wrote to it, in that order.
      const audit = await adapter.query(`select model, kind from ${q('audit')} order by at, kind`);
      expect(audit.rows).toEqual([
        { model: 'base', kind: 'project' },
        { model: 'base', kind: 'config' },
        { model: 'base_view', kind: 'project' },
      ]);
    });
  });

  it('rebuilds the table: the dependent view survives and reads the new rows; indexes and comment are there again', async () => {
    const before = firstBuild;
    const result = await build('--select', 'base', '--vars', '{base_rows: 5}');
    expect(result.exitCode, result.output).toBe(0);
    await withAdapter(target, async (adapter) => {
      const after = await inspectBase(adapter);
      expect(after).toMatchObject({ base: 5, view: 5, comment: 'rows: 5', leftovers: [] });
      expect(after.indexNames).toEqual(before.indexNames);
      expect(after.indexes).toEqual(before.indexes);
      expect((await adapter.query(`select max(id) as top from ${q('base_view')}`)).rows).toEqual([{ top: 5 }]);
    });
  });

  it('a failing rebuild leaves the previous table, its rows, indexes and dependent view (exit code 1)', async () => {
    const result = await build('--select', 'base', '--vars', '{base_rows: 7, base_divisor: 0}');
    expect(result.exitCode, result.output).toBe(1);
    const base = runResults(dir).get('base');
    expect(base?.status).toBe('error');
    expect(base?.message).toContain('division by zero');
    expect(base?.error?.file).toBe('models/base.sql');
    await withAdapter(target, async (adapter) => {
      const state = await inspectBase(adapter);
      expect(state).toMatchObject({ base: 5, view: 5, comment: 'rows: 5', leftovers: [] });
      expect(state.indexes).toHaveLength(2);
      expect((await adapter.query(`select id, v from ${q('base')} order by id limit 2`)).rows).toEqual([{ id: 1, v: 10 }, { id: 2, v: 20 }]);
    });
  });

  it('skips the descendants of a failed model; an independent branch still builds (exit code 1)', async () => {
    const result = await build('--select', 'boom+ solo');
    expect(result.exitCode, result.output).toBe(1);
    expect(statuses(dir)).toEqual({ boom: 'error', boom_child: 'skipped', boom_grandchild: 'skipped', solo: 'success' });
    expect(runResults(dir).get('boom_grandchild')?.message).toContain('boom failed');
    expect(result.stdout).toMatch(/SKIP .*boom_child/);
    expect(result.stdout).toMatch(/ERROR=1 SKIP=2/);
    // Errors and skips are written in dbt's run-results shape too.
    expect(schemaErrors('run-results/v6', JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')))).toEqual([]);
  });

  it('--fail-fast stops at the first failure and skips the rest (exit code 1)', async () => {
    const result = await build('--select', 'boom+ solo', '--fail-fast', '--threads', '1');
    expect(result.exitCode, result.output).toBe(1);
    expect(statuses(dir)).toEqual({ boom: 'error', boom_child: 'skipped', boom_grandchild: 'skipped', solo: 'skipped' });
    expect(runResults(dir).get('solo')?.message).toContain('fail-fast');
  });

  it.runIf(engine.name === 'postgres')('runs independent models at the same time with --threads 2', async () => {
    const result = await build('--select', 'sleepy_a sleepy_b', '--threads', '2');
    expect(result.exitCode, result.output).toBe(0);
    const [a, b] = ['sleepy_a', 'sleepy_b'].map((name) => {
      const timing = runResults(dir).get(name)!.timing[0];
      return { start: Date.parse(timing.started_at), end: Date.parse(timing.completed_at) };
    });
    expect(a.end - a.start).toBeGreaterThanOrEqual(1000);
    expect(b.end - b.start).toBeGreaterThanOrEqual(1000);
    // The intervals overlap: each started before the other ended.
    expect(a.start).toBeLessThan(b.end);
    expect(b.start).toBeLessThan(a.end);
  });
});
