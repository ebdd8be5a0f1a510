/**
 * Generic tests applied in schema YAML (`data_tests:`, or dbt's older `tests:`), on a model, seed,
 * version or source table and on each of its columns:
 *
 *   columns:
 *     - name: id
 *       data_tests:
 *         - unique
 *         - accepted_values: {values: [1, 2], severity: warn}
 *         - name: id_in_range            # a custom name
 *           test_name: value_between
 *           arguments: {low: 1, high: 9}
 *
 * Each entry becomes a `TestDefinition` with its file position; a malformed one is STR111 at the entry.
 * Which node each test becomes is the parse pass's (render/generic-test-nodes.ts).
 */
import { z } from 'zod';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { isPlainObject } from './config-tree.js';
import type { TestDefinition, YamlPlace } from './schema-properties.js';
import type { YamlFile } from './yaml-file.js';

/** Keys of a test entry that configure the test; every other key is an argument of the test macro. */
export const TEST_CONFIG_KEYS = new Set([
  'severity', 'where', 'limit', 'tags', 'enabled', 'error_if', 'warn_if', 'store_failures', 'meta', 'fail_calc', 'alias', 'schema',
]);

/** One entry of a `data_tests:` list, checked further by parseTestEntry. */
export const testEntry = z.union([z.string(), z.record(z.string(), z.unknown())]);

/** What carries tests: a node entry (model, seed, version, source table) with its columns. */
export interface TestedEntry {
  tests?: unknown[];
  data_tests?: unknown[];
  columns?: { name: string; tests?: unknown[]; data_tests?: unknown[] }[];
}

/**
 * Adds the tests of `entry` (at `basePath` in the file) and of its columns to `out`, each attached to
 * the node `attachedTo` names.
 *
 * @example
 *   collectTests(yaml, ['models', 0], entry, { kind: 'model', name: 'dim_customer' }, out.tests, problems);
 */
export function collectTests(
  yaml: YamlFile,
  basePath: PropertyKey[],
  entry: TestedEntry,
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
