/**
 * One writer per Postgres target: runs started together take turns (the second says it waited and for
 * whom), `--lock-timeout` gives up with a clear error, read-only commands never wait, and the schemas
 * of a run are created before its nodes start.
 */
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { lockTarget } from '../../compiler/adapters/target-lock.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata, withAdapter, writeFiles } from '../engine/cli.js';
import { copyPagilaProject, writeTargets } from '../pagila/pagila-project.js';

const KEYED = `{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id', pre_hook="select pg_sleep(1.5)") }}
select id, label from {{ ref('base_ids') }}
`;

describeEachEngine('one writer per target', (engine) => {
  const postgresOnly = engine.name !== 'postgres';

  it.skipIf(postgresOnly)('two runs of a delete+insert model started together leave 1,000 rows for 1,000 ids; the second waited', async () => {
    const schema = uniqueSchema('lockinc');
    const target = engine.makeTarget(schema);
    const dir = projectOn('safety', target, { 'models/keyed.sql': KEYED });
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);

    const runs = await Promise.all([strata(['run', '--project-dir', dir]), strata(['run', '--project-dir', dir])]);
    for (const run of runs) expect(run.exitCode, run.output).toBe(0);
    const waited = runs.filter((run) => /waiting for the target 'test' \(schema [a-z0-9_]+\): another run writes to it, held by pid \d+/.test(run.output));
    expect(waited.length, runs.map((r) => r.output).join('\n----\n')).toBe(1);
    expect(waited[0].output).toMatch(/application_name 'strata run \(pid \d+\)'/);
    expect(waited[0].output).toMatch(/waited \d+\.\ds for the other run on this target to finish/);

    await withAdapter(target, async (adapter) => {
      const counts = await adapter.query<{ rows: string; ids: string }>(
        `select count(*)::text as rows, count(distinct id)::text as ids from ${quoteIdent(schema)}.keyed`,
      );
      expect(counts.rows[0]).toEqual({ rows: '1000', ids: '1000' });
    });
  });

  it.skipIf(postgresOnly)('two full builds of a fixture project started together both succeed (no deadlock)', async () => {
    const schema = uniqueSchema('lockshop');
    const dir = projectOn('shop', engine.makeTarget(schema));
    const builds = await Promise.all([strata(['build', '--project-dir', dir]), strata(['build', '--project-dir', dir])]);
    for (const build of builds) {
      expect(build.exitCode, build.output).toBe(0);
      expect(build.output).not.toMatch(/40P01|deadlock|25P02/);
    }
  });

  it.skipIf(postgresOnly)('two full Pagila builds started together both succeed, one after the other', { timeout: 300_000 }, async () => {
    const schema = uniqueSchema('lockpagila');
    const dir = copyPagilaProject();
    try {
      writeTargets(dir, { test: engine.makeTarget(schema) }, 'test');
      const builds = await Promise.all([
        strata(['build', '--project-dir', dir], { timeoutMs: 280_000 }),
        strata(['build', '--project-dir', dir], { timeoutMs: 280_000 }),
      ]);
      for (const build of builds) {
        expect(build.exitCode, build.output).toBe(0);
        expect(build.output).not.toMatch(/40P01|deadlock|25P02/);
        expect(build.output).toMatch(/Done\. PASS=\d+ WARN=0 ERROR=0 SKIP=0/);
      }
      expect(builds.filter((build) => /waited \d+\.\ds for the other run on this target to finish/.test(build.output))).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(postgresOnly)('--lock-timeout gives up naming the holder; show and compile do not wait', async () => {
    const schema = uniqueSchema('locktime');
    const target = engine.makeTarget(schema);
    const dir = projectOn('safety', target);
    const held = await lockTarget(target, { command: 'held-by-test' });
    try {
      const started = Date.now();
      const result = await strata(['build', '--project-dir', dir, '--lock-timeout', '1']);
      expect(result.exitCode, result.output).toBe(2);
      expect(result.output).toMatch(/error STR531\s+gave up after \d+s waiting for the target 'test'/);
      expect(result.output).toMatch(/application_name 'strata held-by-test \(pid \d+\)'/);
      expect(Date.now() - started).toBeLessThan(30_000);

      const show = await strata(['show', '--project-dir', dir, '--inline', 'select 42 as answer']);
      expect(show.exitCode, show.output).toBe(0);
      expect(show.output).toContain('42');
      expect(show.output).not.toMatch(/waiting/);
      const compile = await strata(['compile', '--project-dir', dir]);
      expect(compile.exitCode, compile.output).toBe(0);
    } finally {
      await held.release();
    }
    const bad = await strata(['build', '--project-dir', dir, '--lock-timeout', '-3']);
    expect(bad.exitCode).toBe(2);
    expect(bad.output).toContain('STR138');
  });

  it('a parallel first build creates its schemas once, before the nodes', async () => {
    const schema = uniqueSchema('schemas');
    const target = engine.makeIsolatedTarget(schema, { threads: 4 });
    const models: Record<string, string> = {};
    for (let i = 0; i < 12; i++) models[`models/m${i}.sql`] = `{{ config(schema='s${i % 4}') }}\nselect ${i} as id`;
    await engine.closeSharedAdapter();
    const dir = projectOn('safety', target, models);
    const result = await strata(['build', '--project-dir', dir, '--threads', '4']);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).not.toMatch(/pg_namespace_nspname_index|duplicate key/);
    await withAdapter(target, async (adapter) => {
      const found = await adapter.query<{ nspname: string }>('select nspname from pg_namespace where nspname like $1 order by 1', [`${schema}%`]);
      expect(found.rows.map((r) => r.nspname)).toEqual([schema, ...[0, 1, 2, 3].map((i) => `${schema}_s${i}`)]);
    });
  });
});
