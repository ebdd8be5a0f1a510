/**
 * `strata docs generate` on the Pagila project, built by the CLI on each engine: catalog.json is valid
 * against dbt's catalog v1 schema and its column types are the database's; the site's files are there,
 * reference no http(s) address, and embed the manifest's nodes; the dashboards' queries are run on the
 * target and embedded with the rows the database returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TargetConfig } from '../../compiler/project/target.js';
import { SITE_FILES } from '../../compiler/docs/write-site.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { copyPagilaProject, describeRun, strata, withAdapter, writeTargets, type CliResult } from '../pagila/pagila-project.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';
import { readDashboards, readSiteData, textFilesUnder } from './site-files.js';

type Json = Record<string, any>;

describeEachEngine('strata docs generate on Pagila', (engine) => {
  let projectDir: string;
  let target: TargetConfig;
  let generate: CliResult;
  const read = (file: string): Json => JSON.parse(fs.readFileSync(path.join(projectDir, 'target', file), 'utf8')) as Json;

  beforeAll(async () => {
    projectDir = copyPagilaProject();
    target = engine.makeIsolatedTarget(uniqueSchema('docs'));
    writeTargets(projectDir, { test: target }, 'test');
    const build = await strata(['build', '--project-dir', projectDir]);
    expect(build.exitCode, describeRun(build)).toBe(0);
    generate = await strata(['docs', 'generate', '--project-dir', projectDir]);
    // A whole Pagila build on a machine shared with the other suites.
  }, 300_000);

  afterAll(() => {
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('writes a catalog.json valid against catalog v1, with every built relation', () => {
    expect(generate.exitCode, describeRun(generate)).toBe(0);
    const catalog = read('catalog.json');
    expect(schemaErrors('catalog/v1', catalog)).toEqual([]);
    const manifest = read('manifest.json');
    const built = Object.values(manifest.nodes as Record<string, Json>).filter((n) => ['model', 'seed', 'snapshot'].includes(n.resource_type) && n.config.materialized !== 'ephemeral');
    expect(Object.keys(catalog.nodes).sort()).toEqual(built.map((n) => n.unique_id).sort());
    expect(Object.keys(catalog.sources).sort()).toEqual(Object.keys(manifest.sources).sort());
    const metrics = catalog.nodes['model.pagila.gold_customer_metrics'];
    expect(metrics.metadata).toMatchObject({ type: 'BASE TABLE', name: expect.any(String), schema: expect.stringMatching(/_gold$/) });
    expect(metrics.stats.row_count.value).toBeGreaterThan(0);
    expect(metrics.stats.bytes.value).toBeGreaterThan(0);
    expect(metrics.stats.indexes.value).toContain('CREATE UNIQUE INDEX');
  });

  it("gives each column the database's type", async () => {
    const catalog = read('catalog.json');
    const entry = catalog.nodes['model.pagila.gold_customer_metrics'];
    const { schema, name } = entry.metadata as { schema: string; name: string };
    const columns = await withAdapter(target, (adapter) =>
      adapter.query<{ column_name: string; data_type: string; ordinal_position: number }>(
        'select column_name, data_type, ordinal_position from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position',
        [schema, name],
      ),
    );
    expect(columns.rows.length).toBeGreaterThan(3);
    for (const column of columns.rows) {
      const written = entry.columns[column.column_name];
      expect(written, column.column_name).toBeDefined();
      expect(written.index).toBe(Number(column.ordinal_position));
      // format_type() adds modifiers that information_schema keeps apart: numeric(12,2) is numeric.
      expect(written.type.startsWith(column.data_type), `${column.column_name}: ${written.type} vs ${column.data_type}`).toBe(true);
    }
  });

  it('writes the site: every file, no http(s) address, and the data of the manifest', () => {
    const targetDir = path.join(projectDir, 'target');
    for (const file of SITE_FILES) expect(fs.existsSync(path.join(targetDir, file)), file).toBe(true);
    const site = [path.join(targetDir, 'index.html'), ...textFilesUnder(path.join(targetDir, 'assets'))];
    // XML namespace names (the SVG renderer's createElementNS) are names, never fetched.
    const addresses = site.flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/https?:\/\/[^\s"'`)<]*/g)].filter((m) => !m[0].startsWith('http://www.w3.org/')).map((m) => `${path.basename(file)}: ${m[0]}`),
    );
    expect(addresses).toEqual([]);

    const manifest = read('manifest.json');
    const data = readSiteData(targetDir);
    const expected = [...Object.keys(manifest.nodes), ...Object.keys(manifest.sources), ...Object.keys(manifest.unit_tests), ...Object.keys(manifest.exposures)].sort();
    expect(data.nodes.map((n) => n.id).sort()).toEqual(expected);
    const dim = data.nodes.find((n) => n.id === 'model.pagila.dim_customer')!;
    expect(dim.dependsOn.nodes).toEqual(manifest.nodes['model.pagila.dim_customer'].depends_on.nodes);
    expect(dim.description).toBe(manifest.nodes['model.pagila.dim_customer'].description);
    expect(dim.run?.status).toBe('success');
    expect(dim.columns.find((c) => c.name === 'customer_id')?.type).toBe('integer');
  });

  it("embeds each dashboard query's rows as the database returns them, each dashboard an exposure", async () => {
    const manifest = read('manifest.json');
    const dashboards = readDashboards(path.join(projectDir, 'target'));
    const files = fs.readdirSync(path.join(projectDir, 'dashboards')).map((file) => file.replace(/\.yml$/, ''));
    expect(dashboards.map((d) => d.name).sort()).toEqual(files.sort());
    expect(files).toEqual(expect.arrayContaining(['customer_health', 'segments']));
    for (const dashboard of dashboards) {
      expect(manifest.exposures[dashboard.exposureId]).toMatchObject({ type: 'dashboard', original_file_path: `dashboards/${dashboard.name}.yml` });
      for (const query of dashboard.queries) {
        expect(query.error, `${dashboard.name}.${query.name}`).toBeUndefined();
        expect(query.rows.length, `${dashboard.name}.${query.name}`).toBeGreaterThan(0);
        const direct = await withAdapter(target, (adapter) => adapter.query<Record<string, unknown>>(query.sql));
        const asEmbedded = direct.rows.map((row) => query.columns.map((c) => (row[c.name] === null ? null : c.numeric ? Number(row[c.name]) : row[c.name])));
        const key = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();
        expect(key(query.rows), `${dashboard.name}.${query.name}`).toEqual(key(asEmbedded));
      }
    }
  });

  it('writes an empty catalog without a database with --empty-catalog', async () => {
    const result = await strata(['docs', 'generate', '--empty-catalog', '--project-dir', projectDir]);
    expect(result.exitCode, describeRun(result)).toBe(0);
    const catalog = read('catalog.json');
    expect(schemaErrors('catalog/v1', catalog)).toEqual([]);
    expect(catalog.nodes).toEqual({});
  });
});
