/**
 * `strata docs generate`: compiles every node, writes manifest.json, reads the target's catalog into
 * catalog.json, runs the dashboards' queries, and writes the static docs site into target/. `strata docs serve`: serves that folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openAdapter } from '../adapters/adapter.js';
import { targetInfo } from '../artifacts/target-info.js';
import type { Reporter } from '../report/reporter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { readCatalog, type CatalogRelations } from '../docs/catalog-query.js';
import { dashboardData } from '../docs/dashboard-data.js';
import { dbtCatalog, relationSchemas } from '../docs/dbt-catalog.js';
import { readDocBlocks } from '../docs/doc-blocks.js';
import { serveSite } from '../docs/serve-site.js';
import { siteData, siteSql } from '../docs/site-data.js';
import { writeSite } from '../docs/write-site.js';
import { fingerprintNodes } from '../graph/state-fingerprint.js';
import type { NodeId } from '../manifest/types.js';
import { compileNode } from '../render/compile-node.js';
import { TargetWriter } from '../run/artifacts.js';
import { describeProject, loadProjectFor, openSession, type CommonArgs } from './session.js';

export interface DocsGenerateArgs extends CommonArgs {
  /** `--empty-catalog` (as dbt's): write catalog.json without reading the database. */
  emptyCatalog?: boolean;
}

export async function docsGenerateCommand(args: DocsGenerateArgs, reporter: Reporter): Promise<number> {
  const started = Date.now();
  const session = openSession(args, reporter);
  const { project, parsed } = session;
  reporter.info(describeProject(session));
  const info = targetInfo(parsed, session.invocationId);
  const writer = new TargetWriter(project.root, project.paths.target, project.name, info);
  const compiled = new Map<NodeId, string>();
  for (const node of Object.values(parsed.manifest.nodes)) {
    if (node.resourceType === 'seed' || node.resourceType === 'unit_test' || node.config.enabled === false) continue;
    const sql = compileNode(parsed, node.id);
    compiled.set(node.id, sql);
    writer.writeCompiled(node, sql);
  }
  writer.writeManifest(parsed.manifest, fingerprintNodes(parsed, undefined, compiled));
  writer.flush();

  let relations: CatalogRelations | undefined;
  let dashboards: Awaited<ReturnType<typeof dashboardData>> = { dashboards: [], problems: [], warnings: [] };
  if (!args.emptyCatalog) {
    const adapter = await openAdapter(project.target, { onNotice: (m) => reporter.info(m), access: 'shared' });
    try {
      relations = await readCatalog(adapter, relationSchemas(parsed.manifest));
      dashboards = await dashboardData(parsed, adapter, relations);
    } finally {
      await adapter.close();
    }
  } else {
    dashboards = await dashboardData(parsed, undefined);
  }
  const generatedAt = new Date().toISOString();
  const context = {
    projectName: project.name,
    targetPath: project.paths.target,
    adapterType: info.adapterType ?? null,
    database: info.database ?? null,
    invocationId: session.invocationId,
    generatedAt,
  };
  const catalog = dbtCatalog(parsed.manifest, relations ?? new Map(), context);
  writeFileSync(join(writer.dir, 'catalog.json'), JSON.stringify(catalog));
  const data = siteData(parsed.manifest, relations, readJson(join(writer.dir, 'run_results.json')), generatedAt, readDocBlocks(project));
  writeSite(writer.dir, data, siteSql(parsed.manifest, compiled), dashboards.dashboards);
  const tables = Object.keys(catalog.nodes as object).length + Object.keys(catalog.sources as object).length;
  const drawn = data.dashboards.length === 0 ? '' : `, ${data.dashboards.length} dashboard${data.dashboards.length === 1 ? '' : 's'}${args.emptyCatalog ? ' (no data: --empty-catalog)' : ''}`;
  reporter.info(`Catalog: ${args.emptyCatalog ? 'empty (--empty-catalog)' : `${tables} relations`}${drawn}; site written to ${join(project.paths.target, 'index.html')} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  if (dashboards.warnings.length > 0) reporter.diagnostics(dashboards.warnings);
  // The site is written either way (the other dashboards, the lineage); the problems make the exit code.
  if (dashboards.problems.length > 0) throw new StrataError(dashboards.problems);
  return 0;
}

export interface DocsServeArgs extends CommonArgs {
  port: number;
  host: string;
}

/** Serves target/ until SIGINT or SIGTERM; then exit code 0. */
export async function docsServeCommand(args: DocsServeArgs, reporter: Reporter): Promise<number> {
  const project = loadProjectFor(args, reporter);
  const dir = join(project.root, project.paths.target);
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new StrataError({ code: 'STR167', message: `--port takes a port number (0 to 65535), not '${String(args.port)}'`, hint: 'e.g. --port 8081, or --port 0 for any free port' });
  }
  if (!existsSync(join(dir, 'index.html'))) {
    throw new StrataError({ code: 'STR166', message: `no docs site in ${project.paths.target}/ (index.html is missing)`, hint: 'run strata docs generate first' });
  }
  const server = await serveSite(dir, args.port, args.host);
  reporter.info(`Serving ${project.paths.target}/ at ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
