/**
 * The parse pass of unit tests (`unit_tests:` in schema YAML, as in dbt 1.8): each becomes a manifest
 * node `unit_test.<project>.<model>.<name>` of resource type `unit_test`, with its inputs and expected
 * rows normalized to lists of rows.
 */
import { createRequire } from 'node:module';
import type { parse as ParseCsv } from 'csv-parse/sync';
import { diagnosticsCollector, StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { nodeId, type ManifestNode, type NodeConfig, type NodeId, type UnitTestInput } from '../manifest/types.js';
import { isPlainObject } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles } from '../project/project-files.js';
import { checksumOf } from '../project/project-files.js';
import type { UnitTestDefinition } from '../project/schema-yaml.js';

/**
 * csv-parse is loaded (synchronously, its CommonJS build) on the first CSV fixture: most projects have
 * none, and loading it took 20 ms of every compile.
 */
let csvParser: typeof ParseCsv | undefined;
const parseCsv = ((...args: Parameters<typeof ParseCsv>) => {
  csvParser ??= (createRequire(import.meta.url)('csv-parse/sync') as { parse: typeof ParseCsv }).parse;
  return csvParser(...args);
}) as typeof ParseCsv;
import { didYouMean } from '../diagnostics/did-you-mean.js';

/**
 * Unit test nodes for `definitions`, checked against the models they test: the model must exist, and
 * every ref and source the model reads must be given (and nothing else). Problems are collected.
 *
 * @example
 *   unitTestNodes(project, properties.unitTests, nodes, disabled, problems)
 *   // [{ id: 'unit_test.pagila.gold_customer_metrics.tier_boundaries', resourceType: 'unit_test', ... }]
 */
export function unitTestNodes(
  project: Project,
  definitions: UnitTestDefinition[],
  nodes: Map<NodeId, ManifestNode>,
  disabledNames: Set<string>,
  problems: Diagnostic[],
): ManifestNode[] {
  const collect = diagnosticsCollector(problems);
  const result: ManifestNode[] = [];
  for (const definition of definitions) {
    const node = collect(() => unitTestNode(project, definition, nodes, disabledNames));
    if (node) result.push(node);
  }
  return result;
}

function unitTestNode(
  project: Project,
  definition: UnitTestDefinition,
  nodes: Map<NodeId, ManifestNode>,
  disabledNames: Set<string>,
): ManifestNode | undefined {
  const where = { file: definition.file, line: definition.line, column: definition.column };
  const fail = (message: string, hint?: string): never => {
    throw new StrataError({ code: 'STR140', message: `unit test '${definition.name}': ${message}`, ...where, hint });
  };
  const modelId = nodeId(`model.${project.name}.${definition.model}`);
  // A versioned model is tested in its latest version.
  const model =
    nodes.get(modelId) ??
    [...nodes.values()].find((n) => n.resourceType === 'model' && n.name === definition.model && n.version !== undefined && String(n.version) === String(n.latestVersion));
  if (!model) {
    if (disabledNames.has(definition.model)) return undefined;
    const models = [...nodes.values()].filter((n) => n.resourceType === 'model').map((n) => n.name);
    const guess = didYouMean(definition.model, models);
    return fail(`unknown model '${definition.model}'`, guess ? `did you mean '${guess}'?` : 'model: must name a model of this project');
  }
  if (definition.config.enabled === false) return undefined;

  const fixtures = fixtureReader(project);
  const given = definition.given.map((entry, index) => givenInput(entry, index, fail, fixtures));
  const keys = new Set(given.map((g) => inputKey(g.target)));
  const read = [
    ...model.refs.map((r) => ({ key: `ref:${r.name}`, text: `ref('${r.name}')` })),
    ...model.sources.map((s) => ({ key: `source:${s.source}.${s.table}`, text: `source('${s.source}', '${s.table}')` })),
  ];
  const missing = [...new Map(read.filter((r) => !keys.has(r.key)).map((r) => [r.key, r.text])).values()];
  if (missing.length > 0) {
    fail(`model '${model.name}' also reads ${missing.join(', ')}`, 'give rows for each under given: (rows: [] for none)');
  }
  const readKeys = new Set(read.map((r) => r.key));
  const unused = given.filter((g) => g.target.kind !== 'this' && !readKeys.has(inputKey(g.target)));
  if (unused.length > 0) {
    fail(`model '${model.name}' does not read ${unused.map((g) => g.input).join(', ')}`, 'remove it from given:');
  }

  if (isPlainObject(definition.expect) && definition.expect.format === 'sql') {
    fail('expect: format sql is not supported', 'give the expected rows as a list of mappings or as CSV');
  }
  const expect = rowsOf(definition.expect, 'expect', fail, fixtures);
  const overrides = isPlainObject(definition.overrides) ? definition.overrides : {};
  const vars = isPlainObject(overrides.vars) ? overrides.vars : {};
  const macros = isPlainObject(overrides.macros) ? overrides.macros : {};
  const tags = definition.config.tags;
  const config: NodeConfig = {
    ...definition.config,
    materialized: 'test',
    enabled: true,
    tags: tags === undefined ? [] : Array.isArray(tags) ? tags.map(String) : [String(tags)],
    pre_hook: [],
    post_hook: [],
    indexes: [],
  };
  const folders = definition.file.replace(/\.[^.]+$/, '').split('/').slice(1, -1);
  const text = JSON.stringify({ model: definition.model, given: definition.given, expect: definition.expect, overrides });
  return {
    id: nodeId(`unit_test.${project.name}.${model.name}.${definition.name}`),
    resourceType: 'unit_test',
    name: definition.name,
    packageName: project.name,
    path: definition.file,
    fqn: [project.name, ...folders, model.name, definition.name],
    rawSql: '',
    checksum: checksumOf(text),
    config,
    dependsOn: { nodes: [model.id], macros: [] },
    refs: [],
    sources: [],
    schema: model.schema,
    alias: definition.name,
    description: definition.description,
    columns: {},
    patchPath: definition.file,
    unitTest: { model: model.id, given, expect, overrides: { vars, macros }, position: where },
  };
}

/** `ref:fct_rental`, `source:pagila.payment`, `this`. */
export function inputKey(target: UnitTestInput['target']): string {
  if (target.kind === 'ref') return `ref:${target.name}`;
  if (target.kind === 'source') return `source:${target.source}.${target.table}`;
  return 'this';
}

const REF = /^\s*ref\s*\(\s*(?:['"][^'"]+['"]\s*,\s*)?['"]([^'"]+)['"]\s*\)\s*$/;
const SOURCE = /^\s*source\s*\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/;

function givenInput(entry: unknown, index: number, fail: (message: string, hint?: string) => never, fixtures: FixtureReader): UnitTestInput {
  if (!isPlainObject(entry) || typeof entry.input !== 'string') {
    return fail(`given[${index}] needs an input`, "write '- input: ref(\"model\")' with rows: [...]");
  }
  const input = entry.input.trim();
  let target: UnitTestInput['target'];
  const ref = REF.exec(input);
  const source = SOURCE.exec(input);
  if (ref) target = { kind: 'ref', name: ref[1]! };
  else if (source) target = { kind: 'source', source: source[1]!, table: source[2]! };
  else if (input === 'this') target = { kind: 'this' };
  else return fail(`given input '${input}' is not ref('...'), source('...', '...') or this`);
  if (entry.format === 'sql') {
    const sql = entry.fixture !== undefined ? fixtures(String(entry.fixture), 'sql', `given ${input}`, fail) : entry.rows;
    if (typeof sql !== 'string' || sql.trim() === '') return fail(`given ${input}: with format: sql, rows: must be a query`, "e.g. rows: select 1 as id");
    return { input, target, rows: [], sql: sql.trim().replace(/;\s*$/, '') };
  }
  return { input, target, rows: rowsOf(entry, `given ${input}`, fail, fixtures) };
}

/** Reads a fixture file by name (without extension) from a `fixtures/` folder of the test paths. */
type FixtureReader = (name: string, extension: 'csv' | 'sql', what: string, fail: (message: string, hint?: string) => never) => string;

function fixtureReader(project: Project): FixtureReader {
  return (name, extension, what, fail) => {
    const folders = project.paths.tests.map((p) => `${p.replace(/\/+$/, '')}/fixtures`);
    const file = listFiles(project.root, folders, [`.${extension}`]).find((path) => path.endsWith(`/${name}.${extension}`));
    if (!file) {
      return fail(`${what}: fixture '${name}' not found`, `put ${name}.${extension} under ${folders.join(' or ')}`);
    }
    return readFileSync(join(project.root, file), 'utf8');
  };
}

/** Rows of a `given` entry or of `expect`: `rows:` as a list of mappings, or CSV text with `format: csv`. */
function rowsOf(value: unknown, what: string, fail: (message: string, hint?: string) => never, fixtures: FixtureReader): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) return fail(`${what} must be a mapping with rows:`);
  const format = value.format === undefined ? 'dict' : String(value.format);
  if (value.fixture !== undefined && format !== 'csv') return fail(`${what}: fixture: needs format: csv or format: sql`);
  const rows = value.fixture !== undefined ? fixtures(String(value.fixture), 'csv', what, fail) : value.rows;
  if (format === 'csv') {
    if (rows === undefined || rows === null) return [];
    if (typeof rows !== 'string') return fail(`${what}: with format: csv, rows: must be CSV text`, 'use rows: | and a header line');
    try {
      const records = parseCsv(rows, { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
      return records.map((record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, csvCell(v)])));
    } catch (error) {
      return fail(`${what}: the CSV rows do not parse: ${(error as Error).message}`);
    }
  }
  if (format !== 'dict') return fail(`${what}: format '${format}' is not supported`, 'use dict (the default) or csv');
  if (rows === undefined || rows === null) return [];
  if (!Array.isArray(rows) || !rows.every(isPlainObject)) {
    return fail(`${what}: rows: must be a list of mappings`, 'e.g. rows: [{customer_id: 1, amount: 20.00}]');
  }
  return rows.map((row) => ({ ...row }));
}

/**
 * A CSV cell: empty is null, a plain decimal number is a number (so that an input whose column types
 * are unknown still sums as numbers), anything else stays text. Known column types cast either way.
 */
function csvCell(value: string): string | number | null {
  if (value === '') return null;
  if (/^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(value)) return Number(value);
  return value;
}
