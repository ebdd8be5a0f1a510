/**
 * The loop over engines used by every end-to-end suite, as Kysely loops over its dialects:
 *
 * @example
 *   describeEachEngine('materializations', (engine) => {
 *     let adapter: Adapter;
 *     beforeAll(async () => { adapter = await engine.sharedAdapter(); });
 *
 *     it('builds a table', async () => {
 *       const schema = uniqueSchema('mat');
 *       await adapter.query(`create schema ${quoteIdent(schema)}`);
 *       ...
 *     });
 *   });
 *
 * produces `materializations [pglite]` and `materializations [postgres]`. Without a Postgres server the
 * second is reported as skipped, with the reason in its title.
 *
 * Isolation: one PGlite data directory per test file (copied from a pre-initialized template, opening
 * it takes ~0.7 s), one schema per test (`uniqueSchema`). Files run in parallel; tests in a file share
 * the file's adapter. `STRATA_TEST_ENGINES=pglite` (or `postgres`) runs one engine only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, inject } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { copyPgliteTemplate } from './pglite-template.js';
import './provided-context.js';

export type EngineName = 'pglite' | 'postgres';

export interface TargetOptions {
  /** Default: 1 on PGlite, 4 on Postgres. */
  threads?: number;
  /** The target's name (default `test`). */
  name?: string;
}

export interface TestEngine {
  readonly name: EngineName;
  /**
   * A target on this engine. PGlite: this test file's data directory (created from the template on
   * first use; only one process may have it open, so close the shared adapter before running the CLI
   * on it as a child process). Postgres: the test server.
   */
  makeTarget(schema: string, options?: TargetOptions): TargetConfig;
  /** Like makeTarget, but PGlite gets a new data directory of its own on every call. */
  makeIsolatedTarget(schema: string, options?: TargetOptions): TargetConfig;
  /** The file's adapter on this engine, opened on first use and closed after the file's last test. */
  sharedAdapter(): Promise<Adapter>;
  /** Closes the shared adapter now (the next sharedAdapter() opens it again). */
  closeSharedAdapter(): Promise<void>;
}

/** Declares `title [pglite]` and `title [postgres]` suites with the same body. */
export function describeEachEngine(title: string, fn: (engine: TestEngine) => void): void {
  registerFileCleanup();
  for (const name of selectedEngines()) {
    const engine = testEngine(name);
    const skipReason = name === 'postgres' ? inject('postgresSkipReason') : '';
    if (skipReason) describe.skip(`${title} [postgres] (skipped: ${skipReason})`, () => fn(engine));
    else describe(`${title} [${name}]`, () => fn(engine));
  }
}

/**
 * A schema name no other test uses, lower case, at most 40 characters (room for dbt-style suffixes such
 * as `_bronze`). Postgres schemas made with it (and their `<name>_*` children) are dropped after the file.
 *
 * @example uniqueSchema('seed') → 'seed_1k3f_7_x9q2'
 */
export function uniqueSchema(prefix = 'test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 20);
  const random = Math.random().toString(36).slice(2, 6);
  const name = `${clean}_${process.pid.toString(36)}_${++schemaCounter}_${random}`;
  schemasToDrop.push(name);
  return name;
}

/** The test Postgres URL, or undefined when there is no server. */
export function testPostgresUrl(): string | undefined {
  return inject('postgresUrl') || undefined;
}

// ---- per-file state (vitest evaluates this module once per test file) ----

let schemaCounter = 0;
const schemasToDrop: string[] = [];
let fileDir: string | undefined;
let isolatedCounter = 0;
const sharedAdapters = new Map<EngineName, Promise<Adapter>>();
const engines = new Map<EngineName, TestEngine>();
let cleanupRegistered = false;

function selectedEngines(): EngineName[] {
  const wanted = process.env.STRATA_TEST_ENGINES?.split(',').map((s) => s.trim()).filter(Boolean);
  const all: EngineName[] = ['pglite', 'postgres'];
  return wanted?.length ? all.filter((name) => wanted.includes(name)) : all;
}

function testFileDir(): string {
  fileDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'strata-test-'));
  return fileDir;
}

function pgliteDataDir(name: string): string {
  const dir = path.join(testFileDir(), name);
  if (!fs.existsSync(dir)) copyPgliteTemplate(inject('pgliteTemplateDir'), dir);
  return dir;
}

function testEngine(name: EngineName): TestEngine {
  const existing = engines.get(name);
  if (existing) return existing;

  const target = (schema: string, options: TargetOptions, isolated: boolean): TargetConfig => {
    const common = { name: options.name ?? 'test', schema };
    if (name === 'pglite') {
      const dir = isolated ? pgliteDataDir(`pglite-${++isolatedCounter}`) : pgliteDataDir('pglite');
      return { ...common, type: 'pglite', threads: options.threads ?? 1, path: dir };
    }
    const url = testPostgresUrl();
    if (!url) throw new Error(`no test Postgres server: ${inject('postgresSkipReason')}`);
    return { ...common, type: 'postgres', threads: options.threads ?? 4, url };
  };

  const engine: TestEngine = {
    name,
    makeTarget: (schema, options = {}) => target(schema, options, false),
    makeIsolatedTarget: (schema, options = {}) => target(schema, options, true),
    sharedAdapter() {
      let adapter = sharedAdapters.get(name);
      if (!adapter) {
        adapter = openAdapter(target('public', {}, false));
        adapter.catch(() => sharedAdapters.delete(name));
        sharedAdapters.set(name, adapter);
      }
      return adapter;
    },
    async closeSharedAdapter() {
      const adapter = sharedAdapters.get(name);
      sharedAdapters.delete(name);
      if (adapter) await (await adapter).close();
    },
  };
  engines.set(name, engine);
  return engine;
}

function registerFileCleanup(): void {
  if (cleanupRegistered) return;
  cleanupRegistered = true;
  afterAll(async () => {
    cleanupRegistered = false;
    await dropPostgresSchemas().catch((error: unknown) => console.warn(`could not drop test schemas: ${String(error)}`));
    for (const engine of engines.values()) await engine.closeSharedAdapter().catch(() => {});
    if (fileDir) fs.rmSync(fileDir, { recursive: true, force: true });
    fileDir = undefined;
  });
}

async function dropPostgresSchemas(): Promise<void> {
  const url = testPostgresUrl();
  if (!url || schemasToDrop.length === 0 || !engines.has('postgres')) return;
  const names = schemasToDrop.splice(0);
  const adapter = await openAdapter({ type: 'postgres', name: 'cleanup', schema: 'public', threads: 1, url });
  try {
    const patterns = names.flatMap((name) => [name, `${name}\\_%`]);
    const found = await adapter.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE nspname LIKE ANY($1::text[])',
      [patterns],
    );
    if (found.rows.length === 0) return;
    await adapter.withConnection((connection) =>
      connection.exec(found.rows.map((row) => `DROP SCHEMA IF EXISTS ${quoteIdent(row.nspname)} CASCADE;`).join('\n')),
    );
  } finally {
    await adapter.close();
  }
}
