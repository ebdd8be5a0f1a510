/**
 * Schema YAML files (`version: 2`): model, seed and analysis properties, model versions, groups,
 * sources, unit tests and exposures, with the file position of each entry. The generic tests of an
 * entry are read in data-tests-yaml.ts, a source's freshness in source-freshness-yaml.ts, exposures in
 * exposure-yaml.ts.
 */
import { z } from 'zod';
import { diagnosticsCollector, type Diagnostic } from '../diagnostics/strata-error.js';
import type { ColumnInfo } from '../manifest/types.js';
import { lineAndColumn, renderDocCalls } from './doc-blocks.js';
import type { ProjectFile } from './project-files.js';
import { isPlainObject, mergeConfig } from './config-tree.js';
import { collectTests, testEntry } from './data-tests-yaml.js';
import { exposureDefinitions, exposureEntry } from './exposure-yaml.js';
import { freshnessKeys, freshnessOf, loadedAtOf, mergeFreshness } from './source-freshness-yaml.js';
import { parseYamlFile, validateYaml, type YamlFile } from './yaml-file.js';

// The shapes of what this file reads, for the modules that import them from here.
export type * from './schema-properties.js';
import type { DocContext, NodeProperties, SchemaProperties, VersionedModel, YamlPlace } from './schema-properties.js';

const column = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    data_type: z.string().optional(),
    tests: z.array(testEntry).optional(),
    data_tests: z.array(testEntry).optional(),
  })
  .passthrough();
const access = z.enum(['private', 'protected', 'public']);
const nodeEntry = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    columns: z.array(column).optional(),
    tests: z.array(testEntry).optional(),
    data_tests: z.array(testEntry).optional(),
    access: access.optional(),
    group: z.string().optional(),
  })
  .passthrough();
/** `columns:` of a version: columns, and `{include: all | '*' | [names], exclude: [names]}` of the model's. */
const versionColumn = z.union([
  column,
  z.object({ include: z.union([z.string(), z.array(z.string())]), exclude: z.array(z.string()).optional() }).strict(),
]);
const versionValue = z.union([z.number(), z.string().min(1)]);
const versionEntry = z
  .object({
    v: versionValue,
    defined_in: z.string().min(1).optional(),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    columns: z.array(versionColumn).optional(),
    tests: z.array(testEntry).optional(),
    data_tests: z.array(testEntry).optional(),
    access: access.optional(),
    group: z.string().optional(),
    deprecation_date: z.string().optional(),
  })
  .passthrough();
const modelEntry = nodeEntry.extend({
  versions: z.array(versionEntry).min(1).optional(),
  latest_version: versionValue.optional(),
  deprecation_date: z.string().optional(),
});
const sourceEntry = z
  .object({
    name: z.string(),
    schema: z.string().optional(),
    database: z.string().optional(),
    description: z.string().optional(),
    ...freshnessKeys,
    config: z.object(freshnessKeys).passthrough().optional(),
    tables: z.array(nodeEntry.extend({ identifier: z.string().optional(), ...freshnessKeys, config: z.object(freshnessKeys).passthrough().optional() })).default([]),
  })
  .passthrough();
const groupEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z_]\w*$/, 'must be a name (letters, digits, _)'),
    owner: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
const unitTestEntry = z
  .object({
    name: z.string(),
    model: z.string(),
    description: z.string().optional(),
    given: z.array(z.unknown()).default([]),
    expect: z.unknown(),
    overrides: z.unknown().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();
const schemaFile = z
  .object({
    version: z.union([z.number(), z.string()]).optional(),
    models: z.array(modelEntry).nullish(),
    seeds: z.array(nodeEntry).nullish(),
    analyses: z.array(nodeEntry).nullish(),
    groups: z.array(groupEntry).nullish(),
    sources: z.array(sourceEntry).nullish(),
    unit_tests: z.array(unitTestEntry).nullish(),
    exposures: z.array(exposureEntry).nullish(),
  })
  .passthrough();

/**
 * Reads every schema YAML file (`version: 2`): model and seed properties, sources, generic tests and unit
 * tests. A broken file adds its problems to `problems` and nothing else: the other files still count,
 * so one typo does not turn every source of the project into an "unknown source".
 */
export function readSchemaProperties(files: ProjectFile[], problems: Diagnostic[] = [], docs?: DocContext): SchemaProperties {
  const result: SchemaProperties = { models: new Map(), seeds: new Map(), analyses: new Map(), sources: [], tests: [], unitTests: [], exposures: [], groups: [], versioned: new Map() };
  const collect = diagnosticsCollector(problems);
  for (const file of files) collect(() => readOne(file, result, problems, docs));
  return result;
}

function readOne(file: ProjectFile, out: SchemaProperties, problems: Diagnostic[], docs: DocContext | undefined): void {
  const yaml = parseYamlFile(file.path, file.text);
  if (yaml.value === null || (isPlainObject(yaml.value) && Object.keys(yaml.value).length === 0)) return;
  const data = validateYaml(yaml, schemaFile);
  const place = (path: PropertyKey[]): YamlPlace => ({ file: file.path, ...yaml.locate(path) });
  // `{{ doc('x') }}` in descriptions: only files that have such a call pay for it.
  if (file.text.includes('doc(')) renderDescriptions(data, file, yaml, docs, problems);

  for (const kind of ['models', 'seeds'] as const) {
    (data[kind] ?? []).forEach((entry, index) => {
      const at = place([kind, index]);
      const target = out[kind];
      const previous = target.get(entry.name);
      if (previous) {
        problems.push({
          code: 'STR110',
          message: `${kind === 'models' ? 'model' : 'seed'} '${entry.name}' has properties in two places`,
          ...at,
          hint: `the other is ${previous.file}:${previous.line}`,
        });
        return;
      }
      const config = entry.access !== undefined || entry.group !== undefined ? { access: entry.access, group: entry.group, ...entry.config } : (entry.config ?? {});
      const props: NodeProperties = { name: entry.name, description: entry.description, columns: columnsOf(entry.columns), config, ...at };
      const deprecationDate = kind === 'models' ? (entry as z.infer<typeof modelEntry>).deprecation_date : undefined;
      if (deprecationDate !== undefined) props.deprecationDate = deprecationDate;
      if (Array.isArray(entry.constraints)) props.constraints = entry.constraints.filter(isPlainObject);
      const versions = kind === 'models' ? (entry as z.infer<typeof modelEntry>).versions : undefined;
      if (versions) {
        readVersions(yaml, index, entry as z.infer<typeof modelEntry>, props, out, problems);
        return;
      }
      target.set(entry.name, props);
      const attachedTo = { kind: kind === 'models' ? ('model' as const) : ('seed' as const), name: entry.name };
      collectTests(yaml, [kind, index], entry, attachedTo, out.tests, problems);
    });
  }

  (data.analyses ?? []).forEach((entry, index) => {
    out.analyses.set(entry.name, { name: entry.name, description: entry.description, columns: columnsOf(entry.columns), config: entry.config ?? {}, ...place(['analyses', index]) });
  });

  (data.groups ?? []).forEach((group, index) => {
    out.groups.push({ name: group.name, owner: group.owner, description: group.description, config: group.config ?? {}, ...place(['groups', index]) });
  });

  (data.sources ?? []).forEach((source, sourceIndex) => {
    const at = place(['sources', sourceIndex]);
    const sourceFreshness = freshnessOf(source, place(['sources', sourceIndex, 'freshness']), problems);
    const sourceLoadedAt = loadedAtOf(source, place(['sources', sourceIndex]), problems);
    out.sources.push({
      name: source.name,
      schema: source.schema,
      database: source.database,
      description: source.description,
      ...at,
      tables: source.tables.map((table, tableIndex) => {
        const tablePath = ['sources', sourceIndex, 'tables', tableIndex];
        const config = (table.config ?? {}) as Record<string, unknown>;
        collectTests(yaml, tablePath, table, { kind: 'source', name: table.name, sourceName: source.name }, out.tests, problems);
        const tableFreshness = freshnessOf(table, place([...tablePath, 'freshness']), problems);
        return {
          name: table.name,
          identifier: table.identifier,
          description: table.description,
          columns: columnsOf(table.columns),
          tags: toList(config.tags),
          enabled: config.enabled !== false,
          freshness: mergeFreshness(sourceFreshness, tableFreshness),
          // A table's loaded_at_field or loaded_at_query replaces either of its source's.
          ...(loadedAtOf(table, place(tablePath), problems) ?? sourceLoadedAt),
          ...place(tablePath),
        };
      }),
    });
  });

  (data.unit_tests ?? []).forEach((test, index) => {
    out.unitTests.push({
      name: test.name,
      model: test.model,
      description: test.description,
      given: test.given,
      expect: test.expect,
      overrides: test.overrides,
      config: test.config ?? {},
      ...place(['unit_tests', index]),
    });
  });

  out.exposures.push(...exposureDefinitions(yaml, data.exposures ?? [], problems));
}

function columnsOf(columns: z.infer<typeof column>[] | undefined): Record<string, ColumnInfo> {
  const result: Record<string, ColumnInfo> = {};
  for (const { tests: _t, data_tests: _d, ...rest } of columns ?? []) result[rest.name] = rest as ColumnInfo;
  return result;
}

function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** A version's `v` as dbt compares and names it: `2`, `1.5`, `beta`. */
export function versionKey(v: string | number): string {
  return String(v);
}

/** dbt's default latest version: the greatest `v`, numerically when every one is a number. */
function greatestVersion(versions: (string | number)[]): string | number {
  const numeric = versions.every((v) => typeof v === 'number' || /^\d+(\.\d+)?$/.test(String(v)));
  return versions.reduce((best, v) => (numeric ? Number(v) > Number(best) : String(v) > String(best)) ? v : best);
}

/**
 * `versions:` of a model entry: each version's properties (description, columns with include/exclude,
 * config, tests) merged over the model's, kept under the name of the version's file.
 */
function readVersions(
  yaml: YamlFile,
  index: number,
  entry: z.infer<typeof modelEntry>,
  model: NodeProperties,
  out: SchemaProperties,
  problems: Diagnostic[],
): void {
  const place = (path: PropertyKey[]): YamlPlace => ({ file: yaml.path, ...yaml.locate(path) });
  const versions = entry.versions!;
  const seen = new Set<string>();
  for (const [vi, version] of versions.entries()) {
    if (seen.has(versionKey(version.v))) {
      problems.push({ code: 'STR180', message: `model '${entry.name}' lists version ${version.v} twice`, ...place(['models', index, 'versions', vi, 'v']), hint: 'give each version its own v' });
      return;
    }
    seen.add(versionKey(version.v));
  }
  let latestVersion = entry.latest_version ?? greatestVersion(versions.map((v) => v.v));
  if (!seen.has(versionKey(latestVersion))) {
    problems.push({
      code: 'STR180',
      message: `latest_version ${latestVersion} of model '${entry.name}' is not one of its versions (${versions.map((v) => v.v).join(', ')})`,
      ...place(['models', index, 'latest_version']),
      hint: 'name one of the v values under versions:',
    });
    // The versions are still read: refs to the model are not reported as unknown on top.
    latestVersion = greatestVersion(versions.map((v) => v.v));
  }
  const versioned: VersionedModel = { name: entry.name, latestVersion, versions: [], file: model.file, line: model.line, column: model.column };
  out.versioned.set(entry.name, versioned);
  for (const [vi, version] of versions.entries()) {
    const path = ['models', index, 'versions', vi];
    const fileName = (version.defined_in ?? `${entry.name}_v${versionKey(version.v)}`).replace(/\.sql$/, '');
    const at = place(path);
    versioned.versions.push({ v: version.v, fileName, ...at });
    const included = includedColumns(version.columns, Object.keys(model.columns));
    const columns: Record<string, ColumnInfo> = {};
    for (const name of included) columns[name] = model.columns[name]!;
    for (const column of version.columns ?? []) if ('name' in column) Object.assign(columns, columnsOf([column]));
    const own = version.access !== undefined || version.group !== undefined ? { access: version.access, group: version.group, ...version.config } : (version.config ?? {});
    const previous = out.models.get(fileName);
    if (previous) {
      problems.push({ code: 'STR110', message: `model '${fileName}' has properties in two places`, ...at, hint: `the other is ${previous.file}:${previous.line}` });
      continue;
    }
    out.models.set(fileName, {
      name: entry.name,
      description: version.description ?? model.description,
      columns,
      config: mergeConfig(model.config, own),
      versionOf: entry.name,
      version: version.v,
      latestVersion,
      deprecationDate: version.deprecation_date ?? entry.deprecation_date,
      ...at,
    });
    // The model's tests apply to every version (its column tests to the versions that include the column).
    const attachedTo = { kind: 'model' as const, name: entry.name, version: version.v };
    const modelTests = { ...entry, columns: entry.columns?.map((c) => (included.includes(c.name) ? c : { name: c.name })) };
    collectTests(yaml, ['models', index], modelTests, attachedTo, out.tests, problems);
    const versionTests = { ...version, name: entry.name, columns: version.columns?.map((c) => ('name' in c ? c : { name: '' })) };
    collectTests(yaml, path, versionTests as z.infer<typeof nodeEntry>, attachedTo, out.tests, problems);
  }
}

/** The model's columns a version keeps: `include: all` (the default) or a list, less `exclude`. */
function includedColumns(columns: z.infer<typeof versionColumn>[] | undefined, all: string[]): string[] {
  const rule = columns?.find((c): c is { include: string | string[]; exclude?: string[] } => 'include' in c);
  if (!rule) return all;
  const include = rule.include === 'all' || rule.include === '*' ? all : toList(rule.include);
  return include.filter((name) => all.includes(name) && !(rule.exclude ?? []).includes(name));
}

type Described = { description?: string; columns?: unknown[] };

/**
 * Puts docs blocks into the descriptions of one file (models, their versions and columns, seeds,
 * sources, tables), in place; a call naming no block is STR250 at the call.
 */
function renderDescriptions(data: z.infer<typeof schemaFile>, file: ProjectFile, yaml: YamlFile, docs: DocContext | undefined, problems: Diagnostic[]): void {
  if (!docs) return;
  const render = (entry: Described | undefined, path: PropertyKey[]) => {
    if (!entry) return;
    if (typeof entry.description === 'string' && entry.description.includes('doc(')) {
      const { text, unknown } = renderDocCalls(entry.description, docs.lookup, docs.packageName);
      entry.description = text;
      const start = offsetOf(file.text, yaml.locate([...path, 'description']));
      for (const call of unknown) {
        const found = file.text.indexOf(call.call, start);
        problems.push({
          code: 'STR250',
          message: `unknown docs block '${call.packageName ? `${call.packageName}.` : ''}${call.name}'`,
          file: file.path,
          ...lineAndColumn(file.text, found === -1 ? start : found),
          hint: `define it in a .md file under the model paths: {% docs ${call.name} %}...{% enddocs %}`,
        });
      }
    }
    entry.columns?.forEach((column, index) => render(column as Described, [...path, 'columns', index]));
  };
  for (const kind of ['models', 'seeds', 'analyses'] as const) {
    (data[kind] ?? []).forEach((entry, index) => {
      render(entry, [kind, index]);
      ((entry as { versions?: Described[] }).versions ?? []).forEach((version, vi) => render(version, [kind, index, 'versions', vi]));
    });
  }
  (data.sources ?? []).forEach((source, index) => {
    render(source, ['sources', index]);
    source.tables.forEach((table, ti) => render(table, ['sources', index, 'tables', ti]));
  });
}

function offsetOf(text: string, at: { line: number; column: number }): number {
  let offset = 0;
  for (let line = 1; line < at.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) break;
    offset = next + 1;
  }
  return offset + at.column - 1;
}
