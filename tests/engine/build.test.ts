/**
 * Builds on a real database through the CLI (tests/fixtures/projects/runtime): hooks, indexes, the
 * atomic swap (dependent views survive a rebuild; a failed rebuild leaves the previous table), skips
 * after a failure, --fail-fast, threads, exit codes. Each test has a copy of the project on a schema of
 * its own; the tests that start from a built table start from a copy of one first build, which is only
 * read (see copyOfFirstBuild).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, statuses, strata, withAdapter, type CliResult } from './cli.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';

/** A copy of the runtime project pointed at `target`. */
function runtimeProject(target: TargetConfig) {
  const dir = projectOn('runtime', target);
  return {
    target,
    dir,
    /** `schema.name`, quoted. */
    q: (name: string) => `${quoteIdent(target.schema)}.${quoteIdent(name)}`,
    build: (...args: string[]) => strata(['build', '--project-dir', dir, ...args]),
  };
}
type RuntimeProject = ReturnType<typeof runtimeProject>;

/** What a rebuild must keep: rows, the dependent view, indexes, the table comment. */
async function inspectBase(adapter: Adapter, project: RuntimeProject) {
  const { q, target } = project;
  const count = async (relation: string) => Number((await adapter.query<{ n: number }>(`select count(*) as n from ${q(relation)}`)).rows[0].n);
  const indexes = await adapter.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'base' order by indexname`,
    [target.schema],
  );
  const comment = await adapter.query<{ comment: string | null }>(`select obj_description($1::regclass, 'pg_class') as comment`, [q('base')]);
  const leftovers = await adapter.query<{ relname: string }>(
    `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname like '%strata%'`,
    [target.schema],
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
type BaseState = Awaited<ReturnType<typeof inspectBase>>;

interface FirstBuild {
  project: RuntimeProject;
  result: CliResult;
  /** inspectBase() right after the build (undefined when it failed). */
  state: BaseState | undefined;
}

/** `build --select 'base base_view'` on a project of its own, and what it left. */
async function buildBase(target: TargetConfig): Promise<FirstBuild> {
  const project = runtimeProject(target);
  const result = await project.build('--select', 'base base_view');
  const state = result.exitCode === 0 ? await withAdapter(target, (adapter) => inspectBase(adapter, project)) : undefined;
  return { project, result, state };
}

describeEachEngine('build', (engine) => {
  /** A copy of the project on a schema no other test uses (PGlite: in this file's data directory). */
  const freshProject = () => runtimeProject(engine.makeTarget(uniqueSchema('build')));

  /** The first build of base and base_view, made once on a data directory of its own and never changed. */
  let firstBuild: Promise<FirstBuild> | undefined;
  const theFirstBuild = () => (firstBuild ??= buildBase(engine.makeIsolatedTarget(uniqueSchema('build'))));
  let copies = 0;

  /**
   * A project whose database is as the first build left it, for a test to change. PGlite: a copy of the
   * first build's data directory (~50 ms, where a build costs ~2 s); Postgres: the same build again on
   * a schema of its own (~0.3 s).
   */
  async function copyOfFirstBuild(): Promise<{ project: RuntimeProject; before: BaseState }> {
    const built = engine.name === 'pglite' ? await theFirstBuild() : await buildBase(engine.makeTarget(uniqueSchema('build')));
    if (!built.state) throw new Error(`the first build failed:\n${built.result.output}`);
    if (built.project.target.type !== 'pglite') return { project: built.project, before: built.state };
    const copy = `${built.project.target.path}-copy-${++copies}`;
    fs.cpSync(built.project.target.path, copy, { recursive: true });
    return { project: runtimeProject({ ...built.project.target, path: copy }), before: built.state };
  }

  it('stops before any SQL when an upstream relation is missing (exit code 2)', async () => {
    const project = freshProject();
    const result = await project.build('--select', 'base_view');
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain(`${project.target.schema}.base (model.runtime.base)`);
    expect(result.output).toContain("--select '+base_view'");
  });

  it('builds a table with hooks and indexes, and a view on it (exit code 0)', async () => {
    const { project, result, state } = await theFirstBuild();
    expect(result.exitCode, result.output).toBe(0);
    expect(statuses(project.dir)).toEqual({ base: 'success', base_view: 'success' });
    expect(state).toMatchObject({ base: 3, view: 3, comment: 'rows: 3', leftovers: [] });
    expect(state!.indexes).toEqual(expect.arrayContaining(['USING btree (id)', 'USING btree (v)']));
    expect(state!.indexes).toHaveLength(2);
    await withAdapter(project.target, async (adapter) => {
      const unique = await adapter.query(`select indexdef from pg_indexes where schemaname = $1 and tablename = 'base' and indexdef like 'CREATE UNIQUE%'`, [project.target.schema]);
      expect(unique.rows).toHaveLength(1);
      // +pre-hook created the audit table; +post-hook (project.yml) and post_hook (config()) wrote to it, in that order.
      const audit = await adapter.query(`select model, kind from ${project.q('audit')} order by at, kind`);
      expect(audit.rows).toEqual([
        { model: 'base', kind: 'project' },
        { model: 'base', kind: 'config' },
        { model: 'base_view', kind: 'project' },
      ]);
    });
  });

  it('rebuilds the table: the dependent view survives and reads the new rows; indexes and comment are there again', async () => {
    const { project, before } = await copyOfFirstBuild();
    const result = await project.build('--select', 'base', '--vars', '{base_rows: 5}');
    expect(result.exitCode, result.output).toBe(0);
    await withAdapter(project.target, async (adapter) => {
      const after = await inspectBase(adapter, project);
      expect(after).toMatchObject({ base: 5, view: 5, comment: 'rows: 5', leftovers: [] });
      expect(after.indexNames).toEqual(before.indexNames);
      expect(after.indexes).toEqual(before.indexes);
      expect((await adapter.query(`select max(id) as top from ${project.q('base_view')}`)).rows).toEqual([{ top: 5 }]);
    });
  });

  it('a failing rebuild leaves the previous table, its rows, indexes and dependent view (exit code 1)', async () => {
    const { project, before } = await copyOfFirstBuild();
    const result = await project.build('--select', 'base', '--vars', '{base_rows: 7, base_divisor: 0}');
    expect(result.exitCode, result.output).toBe(1);
    const base = runResults(project.dir).get('base');
    expect(base?.status).toBe('error');
    expect(base?.message).toContain('division by zero');
    expect(base?.error?.file).toBe('models/base.sql');
    await withAdapter(project.target, async (adapter) => {
      expect(await inspectBase(adapter, project)).toEqual(before);
      expect((await adapter.query(`select id, v from ${project.q('base')} order by id limit 2`)).rows).toEqual([{ id: 1, v: 10 }, { id: 2, v: 20 }]);
    });
  });

  it('skips the descendants of a failed model; an independent branch still builds (exit code 1)', async () => {
    const project = freshProject();
    const result = await project.build('--select', 'boom+ solo');
    expect(result.exitCode, result.output).toBe(1);
    expect(statuses(project.dir)).toEqual({ boom: 'error', boom_child: 'skipped', boom_grandchild: 'skipped', solo: 'success' });
    expect(runResults(project.dir).get('boom_grandchild')?.message).toContain('boom failed');
    expect(result.stdout).toMatch(/SKIP .*boom_child/);
    expect(result.stdout).toMatch(/ERROR=1 SKIP=2/);
    // Errors and skips are written in dbt's run-results shape too.
    expect(schemaErrors('run-results/v6', JSON.parse(fs.readFileSync(path.join(project.dir, 'target/run_results.json'), 'utf8')))).toEqual([]);
  });

  it('--fail-fast stops at the first failure and skips the rest (exit code 1)', async () => {
    const project = freshProject();
    const result = await project.build('--select', 'boom+ solo', '--fail-fast', '--threads', '1');
    expect(result.exitCode, result.output).toBe(1);
    expect(statuses(project.dir)).toEqual({ boom: 'error', boom_child: 'skipped', boom_grandchild: 'skipped', solo: 'skipped' });
    expect(runResults(project.dir).get('solo')?.message).toContain('fail-fast');
  });

  it.runIf(engine.name === 'postgres')('runs independent models at the same time with --threads 2', async () => {
    const project = freshProject();
    // The project's +pre-hook makes the audit table with `create table if not exists`, which is not safe
    // when two sessions run it at once on an empty schema (Postgres fails one with 23505 on pg_type): the
    // table is there beforehand, as after any earlier build of the project.
    await withAdapter(project.target, (adapter) =>
      adapter.withConnection((c) =>
        c.exec(`create schema ${quoteIdent(project.target.schema)}; create table ${project.q('audit')} (model text, kind text, at timestamptz default clock_timestamp())`),
      ),
    );
    const result = await project.build('--select', 'sleepy_a sleepy_b', '--threads', '2');
    expect(result.exitCode, result.output).toBe(0);
    const [a, b] = ['sleepy_a', 'sleepy_b'].map((name) => {
      const timing = runResults(project.dir).get(name)!.timing[0];
      return { start: Date.parse(timing.started_at), end: Date.parse(timing.completed_at) };
    });
    expect(a.end - a.start).toBeGreaterThanOrEqual(1000);
    expect(b.end - b.start).toBeGreaterThanOrEqual(1000);
    // The intervals overlap: each started before the other ended.
    expect(a.start).toBeLessThan(b.end);
    expect(b.start).toBeLessThan(a.end);
  });
});
