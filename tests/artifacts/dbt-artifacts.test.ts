/**
 * target/manifest.json, run_results.json and sources.json are dbt's artifacts, valid against dbt's published schemas
 * (manifest v12, run-results v6, sources v3) with zero errors: the Pagila project of this repository, built by the
 * CLI on each engine. Strata's own fields are in strata_state.json and strata_run_results.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { copyPagilaProject, describeRun, strata, writeTargets, type CliResult } from '../pagila/pagila-project.js';
import { schemaErrors } from './dbt-schemas.js';

type Json = Record<string, any>;

describeEachEngine('dbt artifacts of the Pagila project', (engine) => {
  let projectDir: string;
  let build: CliResult;
  const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(projectDir, 'target', file), 'utf8')) as Json;

  beforeAll(async () => {
    projectDir = copyPagilaProject();
    writeTargets(projectDir, { test: engine.makeIsolatedTarget(uniqueSchema('artifacts')) }, 'test');
    build = await strata(['build', '--project-dir', projectDir]);
  });

  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('writes a manifest.json valid against manifest v12, with compiled code', () => {
    expect(build.exitCode, describeRun(build)).toBe(0);
    const manifest = read('manifest.json');
    expect(schemaErrors('manifest/v12', manifest)).toEqual([]);
    expect(manifest.metadata).toMatchObject({ dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', project_name: 'pagila', adapter_type: 'postgres' });
    const model = manifest.nodes['model.pagila.gold_customer_metrics'];
    expect(model).toMatchObject({ resource_type: 'model', original_file_path: 'models/gold/gold_customer_metrics.sql', path: 'gold/gold_customer_metrics.sql', compiled: true });
    expect(model.compiled_code).toContain('select');
    expect(model.compiled_code).not.toContain('{{');
    expect(model.checksum.name).toBe('sha256');
    // Generic tests carry test_metadata; unit tests are under unit_tests, not nodes.
    const generic = Object.values(manifest.nodes as Record<string, Json>).find((n) => n.test_metadata?.name === 'unique');
    expect(generic?.depends_on.macros).toContain('macro.dbt.test_unique');
    expect(Object.keys(manifest.unit_tests).length).toBeGreaterThan(0);
    expect(Object.values(manifest.nodes as Record<string, Json>).some((n) => n.resource_type === 'unit_test')).toBe(false);
    expect(manifest.child_map['model.pagila.dim_customer']).toContain('model.pagila.gold_customer_metrics');
    expect(manifest.parent_map['model.pagila.gold_customer_metrics']).toContain('model.pagila.dim_customer');
  });

  it('writes a run_results.json valid against run-results v6', () => {
    const runResults = read('run_results.json');
    expect(schemaErrors('run-results/v6', runResults)).toEqual([]);
    const model = (runResults.results as Json[]).find((r) => r.unique_id === 'model.pagila.gold_customer_metrics');
    expect(model).toMatchObject({ status: 'success', compiled: true, relation_name: expect.stringMatching(/^"[^"]+"\."\w+_gold"\."\w+"$/) });
    expect(model?.compiled_code).toContain('select');
  });

  it("keeps Strata's own fields in files of their own", () => {
    const state = read('strata_state.json');
    expect(state.nodes['model.pagila.gold_customer_metrics'].fingerprint).toMatch(/^\w{12}\.\w{12}\.\w{12}$/);
    expect(read('strata_run_results.json').results['model.pagila.gold_customer_metrics']).toMatchObject({ error: null, compiled_path: expect.stringContaining('target/compiled/pagila/') });
  });

  it('writes a sources.json valid against sources v3 with source freshness', async () => {
    // Freshness for every Pagila source from the project's sources: tree; the generated rows are from 2022.
    fs.appendFileSync(path.join(projectDir, 'project.yml'), '\nsources:\n  pagila:\n    +freshness: {warn_after: {count: 1, period: day}}\n    +loaded_at_field: last_update\n');
    const freshness = await strata(['source', 'freshness', '--select', 'source:pagila.customer', 'source:pagila.rental', '--project-dir', projectDir]);
    expect(freshness.exitCode, describeRun(freshness)).toBe(0);
    const sources = read('sources.json');
    expect(schemaErrors('sources/v3', sources)).toEqual([]);
    expect((sources.results as Json[]).map((r) => [r.unique_id, r.status])).toEqual([
      ['source.pagila.pagila.customer', 'warn'],
      ['source.pagila.pagila.rental', 'warn'],
    ]);
    expect(schemaErrors('manifest/v12', read('manifest.json'))).toEqual([]);
  });

  it('writes a valid manifest.json with compile too (no database)', async () => {
    const compiled = await strata(['compile', '--project-dir', projectDir]);
    expect(compiled.exitCode, describeRun(compiled)).toBe(0);
    expect(schemaErrors('manifest/v12', read('manifest.json'))).toEqual([]);
  });
});
