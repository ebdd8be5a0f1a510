/**
 * One manifest node in dbt's shape (manifest v12 `Model`, `Seed`, `SingularTest`, `GenericTest`,
 * `UnitTestDefinition`, `SourceDefinition`, `Macro`). Our internal types stay as they are; this is the
 * only place that knows dbt's field names.
 */
import { hash as digest } from 'node:crypto';
import type { ColumnInfo, MacroInfo, ManifestNode, SourceTable } from '../manifest/types.js';
import { dbtConfig, isRecord } from './dbt-config.js';

/** What the mapping needs beyond the manifest: where it is written, and the target. */
export interface ArtifactContext {
  projectName: string;
  /** The target directory as configured (`target`): compiled paths are written under it. */
  targetPath: string;
  /** `postgres` for both engines: they speak the same SQL, and tools pick dbt-postgres behaviour by it. */
  adapterType: string | null;
  /** The target database (`postgres` on the embedded engine); the first part of relation names. */
  database: string | null;
  invocationId: string | null;
  generatedAt: string;
  /** Macro text by manifest key (dbt's `macro_sql`); '' where not known. */
  macroSql?: (key: string) => string | undefined;
  /** A seed's file content hash (dbt's checksum of a seed is of its CSV text). */
  seedChecksum?: (node: ManifestNode) => string | undefined;
}

/** Turns our macro keys and called names into dbt macro ids (`macro.dbt.test_unique`, `macro.pagila.cents`). */
export type MacroIds = (name: string) => string;

/**
 * @example macroIdIndex(manifest.macros, 'pagila')('test_unique')  // 'macro.dbt.test_unique'
 */
export function macroIdIndex(macros: Record<string, MacroInfo>, projectName: string): MacroIds {
  const ids = new Map<string, string>();
  for (const key of Object.keys(macros)) ids.set(key, macroUniqueId(key, macros[key]!, projectName));
  return (name) => ids.get(name) ?? (name.includes('.') ? `macro.${name}` : `macro.${projectName}.${name}`);
}

export function macroUniqueId(key: string, macro: MacroInfo, projectName: string): string {
  return `macro.${macroPackage(key, macro, projectName)}.${macro.name}`;
}

function macroPackage(key: string, macro: MacroInfo, projectName: string): string {
  if (macro.path === '(builtin)') return 'dbt';
  const dot = key.lastIndexOf('.');
  return dot > 0 && key.slice(dot + 1) === macro.name ? key.slice(0, dot) : projectName;
}

/** `"db"."schema"."identifier"`, as dbt-postgres names relations. */
export function relationName(database: string | null, schema: string, identifier: string): string {
  const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;
  return `${database === null ? '' : `${quote(database)}.`}${quote(schema)}.${quote(identifier)}`;
}

/** dbt's file checksum: sha256 of the file text with surrounding whitespace stripped. */
export function dbtChecksum(text: string): { name: string; checksum: string } {
  return { name: 'sha256', checksum: digest('sha256', text.trim(), 'hex') };
}

const EMPTY_CHECKSUM = { name: 'none', checksum: '' };

/**
 * A model, seed or data test as a dbt node, as JSON text. `compiledPath` is where its compiled SQL was written.
 *
 * @example JSON.parse(dbtNodeJson(manifest.nodes['model.pagila.dim_customer'], context, macroIds, 'target/compiled/pagila/models/…', createdAt))
 */
export function dbtNodeJson(node: ManifestNode, context: ArtifactContext, macroIds: MacroIds, compiledPath: string | null, createdAt: number, compiledSql?: string): string {
  const isTest = node.resourceType === 'test';
  // An analysis has a model's config and the fields of compiled code, without a model's own (access, version).
  const kind = node.resourceType === 'seed' || node.resourceType === 'snapshot' ? node.resourceType : isTest ? 'test' : node.resourceType === 'analysis' ? 'snapshot' : 'model';
  const config = configOf(node, kind);
  const generic = isTest && node.test?.name !== undefined;
  const built = !isTest && node.config.materialized !== 'ephemeral' && node.resourceType !== 'analysis';
  const macros = node.dependsOn.macros.length === 0 ? [] : node.dependsOn.macros.map(macroIds);
  const compiled = compiledSql !== undefined;
  // Written as text, key by key (an object literal handed to JSON.stringify cost twice as much at
  // 10,000 nodes); the config and the keys whose value never changes are spliced in as text.
  const q = JSON.stringify;
  const checksum = kind === 'seed' ? seedChecksum(node, context) : node.rawSql ? dbtChecksum(node.rawSql) : EMPTY_CHECKSUM;
  const columns = Object.keys(node.columns).length === 0 ? '{}' : q(dbtColumns(node.columns));
  let text =
    `{"config":${config.text},"database":${q(context.database)},"schema":${q(node.schema)},"name":${q(node.name)}` +
    `,"resource_type":${q(node.resourceType)},"package_name":${q(node.packageName)}` +
    `,"path":${q(generic ? `${node.name}.sql` : resourcePath(node))},"original_file_path":${q(node.path)},"unique_id":${q(node.id)}` +
    `,"fqn":${q(node.fqn)},"alias":${q(node.alias)},"checksum":{"name":${q(checksum.name)},"checksum":${q(checksum.checksum)}}` +
    `,"tags":${q(node.config.tags ?? [])},"description":${q(node.description ?? '')},"columns":${columns}` +
    `,"meta":${q(config.meta)},"docs":${q(config.docs)},"patch_path":${node.patchPath ? q(`${node.packageName}://${node.patchPath}`) : 'null'}` +
    `,"created_at":${createdAt},"relation_name":${built ? q(relationName(context.database, node.schema, node.alias)) : 'null'}` +
    `,"raw_code":${q(generic ? `{{ test_${node.test!.name}(**_dbt_generic_test_kwargs) }}` : (node.rawSql ?? ''))}`;
  if (kind === 'seed') {
    text += `,"depends_on":{"macros":${q(macros)}}`;
  } else {
    let refs = '';
    for (const r of node.refs) refs += `${refs === '' ? '' : ','}{"name":${q(r.name)},"package":${r.package === undefined ? 'null' : q(r.package)},"version":${r.version === undefined ? 'null' : q(r.version)}}`;
    let sources = '';
    for (const c of node.sources) sources += `${sources === '' ? '' : ','}[${q(c.source)},${q(c.table)}]`;
    text +=
      `,"refs":[${refs}],"sources":[${sources}],"depends_on":{"macros":${q(macros)},"nodes":${q(node.dependsOn.nodes)}}` +
      `,"compiled_path":${compiled ? q(compiledPath) : 'null'},"compiled":${compiled},"compiled_code":${compiled ? q(compiledSql) : 'null'}` +
      `,"extra_ctes_injected":${compiled},"contract":{"enforced":${config.enforced},"alias_types":true,"checksum":null}`;
  }
  if (kind === 'model') text += `,"access":${q(config.access)}`;
  if (generic) {
    // `file_key_name`: the YAML entry the test was declared under (`models.dim_customer`).
    const test = node.test!;
    text +=
      `,"column_name":${q(test.columnName ?? null)},"file_key_name":${q(fileKeyName(test.attachedNode))}` +
      `,"attached_node":${q(attachedNode(test.attachedNode))},"test_metadata":${q({ name: test.name, kwargs: genericKwargs(node), namespace: null })}`;
  }
  if (node.version !== undefined || node.config.group !== undefined || node.deprecationDate !== undefined || node.constraints !== undefined) return `${text},${ownedFields(node, kind)}}`;
  return `${text},${CONSTANT_FIELDS[kind]}}`;
}

/** The constant fields, with a node's group, (for a version of a model) its version, latest version and deprecation date, and a model's constraints. */
function ownedFields(node: ManifestNode, kind: keyof typeof CONSTANT_FIELDS): string {
  const fields = JSON.parse(`{${CONSTANT_FIELDS[kind]}}`) as Record<string, unknown>;
  fields.group = typeof node.config.group === 'string' ? node.config.group : null;
  if (kind === 'model') Object.assign(fields, { version: node.version ?? null, latest_version: node.latestVersion ?? null, deprecation_date: node.deprecationDate ?? null });
  // A model's own `constraints:` (over several columns), as dbt writes them.
  if (kind === 'model' && node.constraints) fields.constraints = node.constraints.map((c) => ({ ...dbtConstraint(c), columns: Array.isArray(c.columns) ? c.columns : [] }));
  return JSON.stringify(fields).slice(1, -1);
}

/** dbt's node keys whose value is the same for every node of a kind. */
const CONSTANT_FIELDS: Record<'model' | 'seed' | 'snapshot' | 'test', string> = (() => {
  const common = { group: null, build_path: null, unrendered_config: {}, config_call_dict: {}, unrendered_config_call_dict: {}, doc_blocks: [] };
  const code = { ...common, language: 'sql', metrics: [], functions: [], extra_ctes: [] };
  const model = { ...code, constraints: [], version: null, latest_version: null, deprecation_date: null, primary_key: [], time_spine: null };
  const inner = (value: object) => JSON.stringify(value).slice(1, -1);
  return { model: inner(model), seed: inner(common), snapshot: inner(code), test: inner(code) };
})();

interface ConfigText {
  text: string;
  meta: unknown;
  docs: unknown;
  enforced: boolean;
  access: unknown;
}

/** Configs repeat across thousands of nodes: their dbt shape is kept by the text of ours. */
const configTexts = new Map<string, ConfigText>();

function configOf(node: ManifestNode, kind: 'model' | 'seed' | 'snapshot' | 'test'): ConfigText {
  const key = `${kind}${JSON.stringify(node.config)}`;
  let found = configTexts.get(key);
  if (!found) {
    const config = dbtConfig(node.config, kind);
    found = {
      text: JSON.stringify(config),
      meta: config.meta,
      docs: config.docs ?? DEFAULT_DOCS,
      enforced: (config.contract as { enforced?: boolean } | undefined)?.enforced === true,
      access: config.access ?? 'protected',
    };
    if (configTexts.size < 10_000) configTexts.set(key, found);
  }
  return found;
}

const DEFAULT_DOCS = { show: true, node_color: null };

function fileKeyName(attached: string | undefined): string | null {
  if (!attached) return null;
  const parts = attached.split('.');
  return `${parts[0]}s.${parts[2]}`;
}

function attachedNode(attached: string | undefined): string | null {
  return attached && !attached.startsWith('source.') ? attached : null;
}

/** Kwargs as dbt records them: the test's arguments plus `model`, the Jinja that names what is tested. */
function genericKwargs(node: ManifestNode): Record<string, unknown> {
  const test = node.test!;
  const kwargs: Record<string, unknown> = { ...test.kwargs };
  const attached = test.attachedNode;
  if (attached && kwargs.model === undefined) {
    const parts = attached.split('.');
    const call = attached.startsWith('source.') ? `source('${parts[2]}', '${parts.slice(3).join('.')}')` : `ref('${parts.slice(2).join('.')}')`;
    kwargs.model = `{{ get_where_subquery(${call}) }}`;
  }
  return kwargs;
}

/** A unit test (dbt keeps these under `unit_tests`, not `nodes`). */
export function dbtUnitTest(node: ManifestNode, createdAt: number): Record<string, unknown> {
  const unit = node.unitTest!;
  const model = unit.model.split('.').slice(2).join('.');
  return {
    model,
    given: unit.given.map((g) => ({ input: g.input, rows: g.rows, format: 'dict', fixture: null })),
    expect: { rows: unit.expect, format: 'dict', fixture: null },
    name: node.name,
    resource_type: 'unit_test',
    package_name: node.packageName,
    path: node.path.split('/').slice(1).join('/'),
    original_file_path: node.path,
    unique_id: node.id,
    fqn: node.fqn,
    description: node.description ?? '',
    overrides: { macros: unit.overrides.macros, vars: unit.overrides.vars, env_vars: {} },
    depends_on: { macros: [], nodes: node.dependsOn.nodes },
    config: { tags: node.config.tags ?? [], meta: isRecord(node.config.meta) ? node.config.meta : {}, enabled: node.config.enabled !== false },
    checksum: node.checksum,
    schema: node.schema,
    created_at: createdAt,
    versions: null,
    version: null,
  };
}

export function dbtSource(source: SourceTable, context: ArtifactContext, createdAt: number): Record<string, unknown> {
  return {
    database: context.database,
    schema: source.schema,
    name: source.name,
    resource_type: 'source',
    package_name: source.packageName,
    path: source.path,
    original_file_path: source.path,
    unique_id: source.id,
    fqn: source.fqn,
    source_name: source.sourceName,
    source_description: source.sourceDescription ?? '',
    loader: '',
    identifier: source.identifier,
    quoting: { database: null, schema: null, identifier: null, column: null },
    loaded_at_field: source.loadedAtField ?? null,
    loaded_at_query: source.loadedAtQuery ?? null,
    freshness: dbtFreshness(source),
    external: null,
    description: source.description ?? '',
    columns: dbtColumns(source.columns),
    meta: {},
    source_meta: {},
    tags: source.tags,
    config: { enabled: source.config.enabled !== false, event_time: null, freshness: source.freshness ? dbtFreshness(source) : null, loaded_at_field: source.loadedAtField ?? null, loaded_at_query: source.loadedAtQuery ?? null, meta: {}, tags: source.config.tags },
    patch_path: null,
    unrendered_config: {},
    relation_name: relationName(context.database, source.schema, source.identifier),
    created_at: createdAt,
    unrendered_database: null,
    unrendered_schema: null,
    doc_blocks: [],
  };
}

/** dbt's `FreshnessThreshold` of a source table (all nulls when it has none). */
export function dbtFreshness(source: SourceTable): { warn_after: unknown; error_after: unknown; filter: string | null } {
  const time = (t: { count: number; period: string } | undefined) => ({ count: t?.count ?? null, period: t?.period ?? null });
  return { warn_after: time(source.freshness?.warn_after), error_after: time(source.freshness?.error_after), filter: source.freshness?.filter ?? null };
}

export function dbtMacro(key: string, macro: MacroInfo, context: ArtifactContext, macroIds: MacroIds, createdAt: number): Record<string, unknown> {
  const packageName = macroPackage(key, macro, context.projectName);
  return {
    name: macro.name,
    resource_type: 'macro',
    package_name: packageName,
    path: macro.path,
    original_file_path: macro.path,
    unique_id: `macro.${packageName}.${macro.name}`,
    macro_sql: context.macroSql?.(key) ?? '',
    depends_on: { macros: macro.dependsOn.map(macroIds) },
    description: '',
    meta: {},
    docs: { show: true, node_color: null },
    patch_path: null,
    arguments: [],
    created_at: createdAt,
    supported_languages: null,
  };
}

/** dbt's `ColumnInfo`: the keys it always writes, then the rest of what the YAML said. */
function dbtColumns(columns: Record<string, ColumnInfo>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(columns)) {
    const column = columns[key]!;
    result[key] = {
      name: column.name,
      description: column.description ?? '',
      meta: isRecord(column.meta) ? column.meta : {},
      data_type: column.data_type ?? null,
      constraints: Array.isArray(column.constraints) ? column.constraints.map(dbtConstraint) : [],
      quote: typeof column.quote === 'boolean' ? column.quote : null,
      tags: Array.isArray(column.tags) ? column.tags : [],
      granularity: null,
      doc_blocks: [],
    };
  }
  return result;
}

function dbtConstraint(constraint: unknown): Record<string, unknown> {
  const c = isRecord(constraint) ? constraint : {};
  return {
    type: c.type,
    name: c.name ?? null,
    expression: c.expression ?? null,
    warn_unenforced: true,
    warn_unsupported: true,
    to: c.to ?? null,
    to_columns: Array.isArray(c.to_columns) ? c.to_columns : [],
  };
}

/** dbt's `path`: relative to the resource folder (`gold/dim_customer.sql`), from the fqn's folders. */
function resourcePath(node: ManifestNode): string {
  const file = node.path.slice(node.path.lastIndexOf('/') + 1);
  const folders = node.fqn.slice(1, -1);
  return folders.length === 0 ? file : `${folders.join('/')}/${file}`;
}

function seedChecksum(node: ManifestNode, context: ArtifactContext): { name: string; checksum: string } {
  const checksum = context.seedChecksum?.(node) ?? node.checksum;
  return checksum ? { name: 'sha256', checksum } : EMPTY_CHECKSUM;
}
