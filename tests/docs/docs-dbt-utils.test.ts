/**
 * `strata docs generate` on dbt_utils 1.4.1's integration project (a project we did not write: 75
 * seeds, 51 models, package macros), built on each engine: catalog.json is valid against catalog v1
 * and holds every relation the build made, and the site's data holds every node of the manifest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, testPostgresUrl, uniqueSchema } from '../support/engines.js';
import { REPO_ROOT, strata } from '../support/strata-cli.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';
import { readSiteData } from './site-files.js';

type Json = Record<string, any>;

const PACKAGE = path.resolve(REPO_ROOT, '../shared/dbt/dbt-utils-1.4.1');

const PROFILES = `integration_tests:
  target: postgres
  outputs:
    postgres:
      type: postgres
      host: "{{ env_var('POSTGRES_HOST') }}"
      user: "{{ env_var('POSTGRES_USER') }}"
      pass: "{{ env_var('DBT_ENV_SECRET_POSTGRES_PASS') }}"
      port: "{{ env_var('POSTGRES_PORT') | as_number }}"
      dbname: "{{ env_var('POSTGRES_DATABASE') }}"
      schema: "{{ env_var('POSTGRES_SCHEMA') }}"
      threads: 4
    pglite:
      type: pglite
      schema: "{{ env_var('POSTGRES_SCHEMA') }}"
`;

describeEachEngine('strata docs generate on the dbt_utils integration project', (engine) => {
  let copy: string;
  let project: string;
  let env: Record<string, string>;
  const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(project, 'target', file), 'utf8')) as Json;

  beforeAll(async () => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-docs-dbt-utils-'));
    fs.cpSync(PACKAGE, copy, { recursive: true });
    // The shared copy is read-only; target/ and dbt_packages/ are written into the copy.
    for (const entry of fs.readdirSync(copy, { recursive: true, withFileTypes: true })) {
      fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
    }
    project = path.join(copy, 'integration_tests');
    fs.writeFileSync(path.join(project, 'profiles.yml'), PROFILES);
    const url = new URL(testPostgresUrl() ?? 'postgres://localhost/postgres');
    env = {
      POSTGRES_HOST: url.hostname,
      POSTGRES_USER: decodeURIComponent(url.username),
      DBT_ENV_SECRET_POSTGRES_PASS: decodeURIComponent(url.password),
      POSTGRES_PORT: url.port || '5432',
      POSTGRES_DATABASE: url.pathname.replace(/^\//, '') || 'postgres',
      POSTGRES_SCHEMA: uniqueSchema('docs_utils'),
      DBT_PROFILES_DIR: '.',
    };
    for (const args of [['deps'], ['build', '--target', engine.name, '--full-refresh'], ['docs', 'generate', '--target', engine.name]]) {
      const result = await strata(args, { env, cwd: project, timeoutMs: 590_000 });
      expect(result.exitCode, `strata ${args.join(' ')}\n${result.output.slice(-3000)}`).toBe(0);
    }
  }, 600_000);

  afterAll(() => {
    if (copy) fs.rmSync(copy, { recursive: true, force: true });
  });

  it('writes a catalog.json valid against catalog v1 with every relation built', () => {
    const catalog = read('catalog.json');
    expect(schemaErrors('catalog/v1', catalog)).toEqual([]);
    const built = (read('run_results.json').results as Json[]).filter((r) => /^(model|seed)\./.test(r.unique_id)).map((r) => r.unique_id as string);
    expect(built.length).toBe(125);
    // The project's post-hook drops this seed on purpose (get_column_values' default= test): no relation.
    const dropped = 'seed.dbt_utils_integration_tests.data_get_column_values_dropped';
    expect(built).toContain(dropped);
    expect(Object.keys(catalog.nodes).sort()).toEqual(built.filter((id) => id !== dropped).sort());
    for (const entry of Object.values(catalog.nodes as Record<string, Json>)) expect(Object.keys(entry.columns).length, entry.unique_id).toBeGreaterThan(0);
  });

  it("embeds every node of the manifest in the site's data, with package nodes", () => {
    const manifest = read('manifest.json');
    const data = readSiteData(path.join(project, 'target'));
    const expected = [...Object.keys(manifest.nodes), ...Object.keys(manifest.sources), ...Object.keys(manifest.unit_tests)].sort();
    expect(data.nodes.map((n) => n.id).sort()).toEqual(expected);
    expect(data.nodes.filter((n) => n.run).length).toBe((read('run_results.json').results as Json[]).length);
  });
});
