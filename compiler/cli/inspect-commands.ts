import { randomUUID } from 'node:crypto';
import { fingerprintNodes } from '../graph/state-fingerprint.js';
import { compileKey, readCompileRecord, recordHolds, stampArtifacts, stampRecord, writeCompileRecord } from '../artifacts/compile-record.js';
import { projectDigest } from '../project/project-digest.js';
import { programIdentity } from './program-identity.js';
import { RecordingObserver } from '../render/render-scope.js';
import { rmSync } from 'node:fs';
import { isTestNode, type NodeId } from '../manifest/types.js';
import { join } from 'node:path';
import { openAdapter } from '../adapters/adapter.js';
import { StrataError, maskSecrets } from '../diagnostics/strata-error.js';
import { formatTable } from '../diagnostics/format-table.js';
import type { Reporter } from '../report/reporter.js';
import { compileNode } from '../render/compile-node.js';
import { compileUnitTest, declaredInputColumns } from '../render/compile-unit-test.js';
import { compileInline } from '../render/inline-query.js';
import { dbtListEntry } from '../artifacts/dbt-list.js';
import { macroIdIndex } from '../artifacts/dbt-node.js';
import { targetInfo } from '../artifacts/target-info.js';
import { TargetWriter } from '../run/artifacts.js';
import { databaseErrorDiagnostic } from '../run/database-error.js';
import { describeProject, loadProjectFor, numberArg, openSession, select, type CommonArgs } from './session.js';

type Print = (text: string) => void;
const print: Print = (text) => process.stdout.write(`${text}\n`);

/**
 * `strata compile`: renders every selected model and test to target/compiled/, no database. When nothing
 * it reads changed since the last compile (compile-record.ts), target/ is reused as it is.
 */
export function compileCommand(args: CommonArgs, reporter: Reporter): number {
  const started = Date.now();
  const project = loadProjectFor(args, reporter);
  const targetDir = join(project.root, project.paths.target);
  const digest = projectDigest(project);
  const key = compileKey(digest, programIdentity(), args);
  const record = args.partialParse === false ? undefined : readCompileRecord(targetDir);
  if (record && recordHolds(record, key, targetDir, process.env) && stampArtifacts(targetDir, new Date().toISOString(), randomUUID())) {
    stampRecord(targetDir, record);
    if (record.warnings.length > 0) reporter.diagnostics(record.warnings);
    reporter.info(record.found);
    reporter.info(`Compiled ${record.count} nodes to ${join(project.paths.target, 'compiled')} in ${((Date.now() - started) / 1000).toFixed(2)}s (nothing changed since the last compile: target/ reused)`);
    return 0;
  }

  const observer = new RecordingObserver();
  const session = openSession(args, reporter, { project, digest, observer, keepParse: false });
  const selection = select(session, args, reporter);
  const { parsed } = session;
  const writer = new TargetWriter(project.root, project.paths.target, project.name, targetInfo(parsed, session.invocationId));
  const compiled = new Map<NodeId, string>();
  const files: string[] = [];
  for (const id of selection.ids) {
    const node = parsed.manifest.nodes[id];
    if (node.resourceType === 'seed') continue;
    const sql =
      node.resourceType === 'unit_test'
        ? compileUnitTest(parsed, id, (input) => declaredInputColumns(parsed, node, input))
        : compileNode(parsed, id);
    if (node.resourceType !== 'unit_test') compiled.set(id, sql);
    files.push(writer.writeCompiled(node, sql));
  }
  const count = files.length;
  writer.writeManifest(parsed.manifest, fingerprintNodes(parsed, undefined, compiled));
  writer.flush();
  const found = describeProject(session);
  reporter.info(found);
  reporter.info(`Compiled ${count} nodes to ${join(project.paths.target, 'compiled')} in ${((Date.now() - started) / 1000).toFixed(2)}s`);
  // A compile that read the clock or printed lines is done again next time; so is one with errors.
  if (!observer.readVolatile) {
    const warnings = [...parsed.warnings, ...selection.warnings.map((w) => ({ ...w, severity: 'warn' as const }))];
    const relative = (file: string) => file.slice(project.paths.target.replace(/\/+$/, '').length + 1);
    writeCompileRecord(targetDir, { key, env: Object.fromEntries(observer.env), warnings, found, count, compiled: files.map(relative) });
  }
  return 0;
}

/** `strata ls`: the selection in DAG order. */
export function listCommand(args: CommonArgs & { output?: string; resourceType?: string[] }, reporter: Reporter): number {
  const session = openSession(args, reporter);
  const selection = select(session, args, reporter);
  const manifest = session.parsed.manifest;
  let ids = selection.ids;
  if (args.resourceType?.length) ids = ids.filter((id) => args.resourceType!.includes(manifest.nodes[id].resourceType));
  const nodes = ids.map((id) => manifest.nodes[id]);
  // Exposures last, as dbt lists them; nothing runs for them.
  const exposures = args.resourceType?.length && !args.resourceType.includes('exposure') ? [] : selection.exposures.map((id) => manifest.exposures![id]!);
  switch (args.output ?? 'selector') {
    case 'json': {
      const macroIds = macroIdIndex(manifest.macros, manifest.projectName);
      for (const n of nodes) print(JSON.stringify(dbtListEntry(n, macroIds)));
      for (const e of exposures) print(JSON.stringify({ name: e.name, resource_type: 'exposure', package_name: e.packageName, original_file_path: e.path, unique_id: e.id, tags: e.tags, depends_on: { nodes: e.dependsOn.nodes } }));
      break;
    }
    case 'name':
      for (const n of [...nodes, ...exposures]) print(n.name);
      break;
    case 'path':
      for (const n of [...nodes, ...exposures]) print(n.path);
      break;
    default:
      for (const n of nodes) print(n.fqn.join('.'));
      for (const e of exposures) print(`exposure:${e.fqn.join('.')}`);
  }
  return 0;
}

/** `strata show`: rows of a model (or an inline query rendered like a model). */
export async function showCommand(args: CommonArgs & { inline?: string; limit: number }, reporter: Reporter): Promise<number> {
  try {
    return await showRows(args, reporter);
  } catch (error) {
    if (!(error instanceof StrataError) || !['STR440', 'STR521'].includes(error.code)) throw error;
    reporter.diagnostics(error.diagnostics);
    return 1;
  }
}

async function showRows(args: CommonArgs & { inline?: string; limit: number }, reporter: Reporter): Promise<number> {
  if (!(Number.isInteger(args.limit) && args.limit >= -1)) {
    throw new StrataError({ code: 'STR165', message: `--limit takes a whole number of rows (-1: all), not ${numberArg(args.limit)}`, hint: 'e.g. --limit 20' });
  }
  const session = openSession(args, reporter);
  let sql: string;
  if (args.inline) {
    sql = compileInline(session.parsed, args.inline);
  } else {
    const selection = select(session, args, reporter);
    const models = selection.ids.filter((id) => !isTestNode(session.parsed.manifest.nodes[id]));
    if (models.length !== 1) {
      throw new StrataError({
        code: 'STR163',
        message: models.length === 0 || !args.select?.length ? 'show needs --select with one model, or --inline' : `show takes one model; the selection has ${models.length}`,
        hint: "e.g. strata show --select gold_customer_metrics --limit 5, or --inline \"select * from {{ ref('dim_customer') }}\"",
      });
    }
    sql = compileNode(session.parsed, models[0]);
  }
  const adapter = await openAdapter(session.project.target, { onNotice: (m) => reporter.info(m), access: 'shared' });
  try {
    const limit = args.limit >= 0 ? ` limit ${Math.floor(args.limit)}` : '';
    const shown = `select * from (\n${sql}\n) as strata_show${limit}`;
    const result = await adapter.query(shown).catch((error: unknown) => {
      // The user's SQL failed: a diagnostic with the SQLSTATE (exit 1, as a failed model), not an internal error.
      const diagnostic = databaseErrorDiagnostic(Object.assign(error as object, { statement: shown }), {
        compiledSql: sql,
        sqlHint: args.inline ? 'check the --inline query' : 'see the compiled SQL under target/compiled/',
        code: 'STR440',
        what: 'the query failed',
      });
      throw new StrataError(diagnostic);
    });
    if (args.logFormat === 'json') print(JSON.stringify({ rows: result.rows }));
    else {
      print(formatTable(result.rows, result.fields.map((f) => f.name)));
      print(`(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`);
    }
    return 0;
  } finally {
    await adapter.close();
  }
}

/** `strata clean`: removes the target directory (the database under .strata/ is kept). */
export function cleanCommand(args: CommonArgs, reporter: Reporter): number {
  const project = loadProjectFor(args, reporter);
  const dir = join(project.root, project.paths.target);
  rmSync(dir, { recursive: true, force: true });
  reporter.info(`Removed ${project.paths.target}/`);
  return 0;
}

/** `strata debug`: the project, the target, and a live connection check. */
export async function debugCommand(args: CommonArgs, reporter: Reporter): Promise<number> {
  const project = loadProjectFor(args, reporter);
  print(`project:  ${project.name} (${project.root}/${project.configFile})`);
  const target = project.target;
  print(`target:   ${target.name} (type ${target.type}, schema ${target.schema}, threads ${target.threads})`);
  if (target.type === 'pglite') print(`location: ${target.path}`);
  const started = Date.now();
  try {
    const adapter = await openAdapter(target, { onNotice: (m) => reporter.info(m), access: 'shared' });
    try {
      const info = await adapter.info();
      const version = await adapter.query<{ version: string }>('select version() as version');
      print(`location: ${maskSecrets(info.location)}`);
      print(`server:   ${version.rows[0]?.version ?? info.serverVersion ?? 'unknown'}`);
      print(`connection: OK (${Date.now() - started} ms)`);
      return 0;
    } finally {
      await adapter.close();
    }
  } catch (error) {
    print(`connection: FAILED`);
    throw error;
  }
}

