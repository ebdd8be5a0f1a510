import { z } from 'zod';
import { diagnosticsCollector, type Diagnostic } from '../diagnostics/strata-error.js';
import type { ColumnInfo } from '../manifest/types.js';
import type { ProjectFile } from './project-files.js';
import { isPlainObject } from './config-tree.js';
import { exposureDefinitions, exposureEntry, type ExposureDefinition } from './exposure-yaml.js';
import { parseYamlFile, validateYaml, type YamlFile } from './yaml-file.js';

/** Where a YAML entry sits. */
export interface YamlPlace {
  file: string;
  line: number;
  column: number;
}

/** A generic test applied in YAML to a model, seed or source table (or one of its columns). */
export interface TestDefinition extends YamlPlace {
  /** The generic test's macro name without the `test_` prefix: `unique`, `relationships`, `my_custom`. */
  testName: string;
  kwargs: Record<string, unknown>;
  config: Record<string, unknown>;
  attachedTo: { kind: 'model' | 'seed' | 'source'; name: string; sourceName?: string };
  columnName?: string;
  /** A `name:` the user gave the test. */
  customName?: string;
}

export interface NodeProperties extends YamlPlace {
  name: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  config: Record<string, unknown>;
}

export interface SourceTableDefinition extends YamlPlace {
  name: string;
  identifier?: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  tags: string[];
  enabled: boolean;
}

export interface SourceDefinition extends YamlPlace {
  name: string;
  schema?: string;
  database?: string;
  description?: string;
  tables: SourceTableDefinition[];
}

/** A dbt-style unit test, kept as written; the test stage interprets it. */
export interface UnitTestDefinition extends YamlPlace {
  name: string;
  model: string;
  given: unknown[];
  expect: unknown;
  overrides?: unknown;
  config: Record<string, unknown>;
  description?: string;
}

export interface SchemaProperties {
  models: Map<string, NodeProperties>;
  seeds: Map<string, NodeProperties>;
  sources: SourceDefinition[];
  tests: TestDefinition[];
  unitTests: UnitTestDefinition[];
  exposures: ExposureDefinition[];
}

const TEST_CONFIG_KEYS = new Set([
  'severity', 'where', 'limit', 'tags', 'enabled', 'error_if', 'warn_if', 'store_failures', 'meta', 'fail_calc', 'alias', 'schema',
]);

const testEntry = z.union([z.string(), z.record(z.string(), z.unknown())]);
const column = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    data_type: z.string().optional(),
    tests: z.array(testEntry).optional(),
    data_tests: z.array(testEntry).optional(),
  })
  .passthrough();
const nodeEntry = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    columns: z.array(column).optional(),
    tests: z.array(testEntry).optional(),
    data_tests: z.array(testEntry).optional(),
  })
  .passthrough();
const sourceEntry = z
  .object({
    name: z.string(),
    schema: z.string().optional(),
    database: z.string().optional(),
    description: z.string().optional(),
    tables: z.array(nodeEntry.extend({ identifier: z.string().optional() })).default([]),
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
    models: z.array(nodeEntry).nullish(),
    seeds: z.array(nodeEntry).nullish(),
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
export function readSchemaProperties(files: ProjectFile[], problems: Diagnostic[] = []): SchemaProperties {
  const result: SchemaProperties = { models: new Map(), seeds: new Map(), sources: [], tests: [], unitTests: [], exposures: [] };
  const collect = diagnosticsCollector(problems);
  for (const file of files) collect(() => readOne(file, result, problems));
  return result;
}

function readOne(file: ProjectFile, out: SchemaProperties, problems: Diagnostic[]): void {
  const yaml = parseYamlFile(file.path, file.text);
  if (yaml.value === null || (isPlainObject(yaml.value) && Object.keys(yaml.value).length === 0)) return;
  const data = validateYaml(yaml, schemaFile);
  const place = (path: PropertyKey[]): YamlPlace => ({ file: file.path, ...yaml.locate(path) });

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
      target.set(entry.name, {
        name: entry.name,
        description: entry.description,
        columns: columnsOf(entry.columns),
        config: entry.config ?? {},
        ...at,
      });
      const attachedTo = { kind: kind === 'models' ? ('model' as const) : ('seed' as const), name: entry.name };
      collectTests(yaml, [kind, index], entry, attachedTo, out.tests, problems);
    });
  }

  (data.sources ?? []).forEach((source, sourceIndex) => {
    const at = place(['sources', sourceIndex]);
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
        return {
          name: table.name,
          identifier: table.identifier,
          description: table.description,
          columns: columnsOf(table.columns),
          tags: toList(config.tags),
          enabled: config.enabled !== false,
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

function collectTests(
  yaml: YamlFile,
  basePath: PropertyKey[],
  entry: z.infer<typeof nodeEntry>,
  attachedTo: TestDefinition['attachedTo'],
  out: TestDefinition[],
  problems: Diagnostic[],
): void {
  const visit = (list: unknown[] | undefined, path: PropertyKey[], columnName?: string) => {
    (list ?? []).forEach((raw, index) => {
      const at = { file: yaml.path, ...yaml.locate([...path, index]) };
      const parsed = parseTestEntry(raw);
      if (typeof parsed === 'string') {
        problems.push({ code: 'STR111', message: parsed, ...at, hint: "write '- unique' or '- accepted_values: {values: [...]}'" });
        return;
      }
      out.push({ ...parsed, attachedTo, columnName, ...at });
    });
  };
  visit(entry.data_tests ?? entry.tests, [...basePath, entry.data_tests ? 'data_tests' : 'tests']);
  (entry.columns ?? []).forEach((col, index) => {
    const key = col.data_tests ? 'data_tests' : 'tests';
    visit(col.data_tests ?? col.tests, [...basePath, 'columns', index, key], col.name);
  });
}

/** `unique` | `{accepted_values: {values: [...], severity: warn}}` | `{name: x, test_name: y, ...}`. */
function parseTestEntry(raw: unknown): Omit<TestDefinition, 'attachedTo' | 'columnName' | keyof YamlPlace> | string {
  if (typeof raw === 'string') return { testName: raw, kwargs: {}, config: {} };
  if (!isPlainObject(raw)) return 'a test must be a name or a mapping';
  let testName: string;
  let body: Record<string, unknown>;
  let customName: string | undefined;
  if (typeof raw.test_name === 'string') {
    testName = raw.test_name;
    const { test_name: _tn, name, ...rest } = raw;
    body = rest;
    customName = typeof name === 'string' ? name : undefined;
  } else {
    const keys = Object.keys(raw);
    if (keys.length !== 1) return `a test mapping must have exactly one key (the test's name), found: ${keys.join(', ')}`;
    testName = keys[0];
    const value = raw[testName];
    if (value !== null && value !== undefined && !isPlainObject(value)) return `the arguments of test '${testName}' must be a mapping`;
    body = { ...((value as Record<string, unknown> | null) ?? {}) };
    if (typeof body.name === 'string') {
      customName = body.name;
      delete body.name;
    }
  }
  const config: Record<string, unknown> = isPlainObject(body.config) ? { ...body.config } : {};
  const kwargs: Record<string, unknown> = isPlainObject(body.arguments) ? { ...body.arguments } : {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'config' || key === 'arguments') continue;
    if (TEST_CONFIG_KEYS.has(key)) config[key] = value;
    else kwargs[key] = value;
  }
  return { testName, kwargs, config, customName };
}

function toList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}
