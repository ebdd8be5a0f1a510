/**
 * Node configs in dbt's shape (`ModelConfig`, `SeedConfig`, `SnapshotConfig`, `TestConfig` of manifest v12): every key
 * dbt writes, with dbt's defaults, then whatever else the user set. Tools read these keys without
 * checking that they are there (`config.docs.show`, `config.contract.enforced`).
 */
import type { NodeConfig } from '../manifest/types.js';

/** Keys of our config that are renamed or reshaped below, never passed through as they are. */
const RESHAPED = new Set(['pre_hook', 'post_hook', 'severity', 'docs', 'contract', 'meta', 'tags']);

/**
 * @example dbtConfig({ materialized: 'view', enabled: true, tags: [], pre_hook: ['grant ...'], ... }, 'model')
 *   // { enabled: true, alias: null, ..., 'pre-hook': [{ sql: 'grant ...', transaction: true, index: 0 }], ... }
 */
export function dbtConfig(config: NodeConfig, kind: 'model' | 'seed' | 'snapshot' | 'test'): Record<string, unknown> {
  // One object literal per kind: spreading objects of this size into another costs V8 ~50 µs each,
  // half a second over 10,000 nodes.
  const result = kind === 'test' ? testConfig(config) : modelConfig(config, kind);
  for (const key of Object.keys(config)) {
    if (RESHAPED.has(key) || key in result) continue;
    const value = config[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}

function modelConfig(config: NodeConfig, kind: 'model' | 'seed' | 'snapshot'): Record<string, unknown> {
  const contract = isRecord(config.contract) ? config.contract : {};
  const docs = isRecord(config.docs) ? config.docs : {};
  const result: Record<string, unknown> = {
    enabled: config.enabled !== false,
    alias: config.alias ?? null,
    schema: config.schema ?? null,
    database: config.database ?? null,
    tags: config.tags ?? [],
    meta: isRecord(config.meta) ? config.meta : {},
    group: stringOrNull(config.group),
    materialized: config.materialized,
    incremental_strategy: stringOrNull(config.incremental_strategy),
    batch_size: config.batch_size ?? null,
    lookback: config.lookback ?? 1,
    begin: config.begin ?? null,
    persist_docs: isRecord(config.persist_docs) ? config.persist_docs : {},
    'post-hook': hooks(config.post_hook),
    'pre-hook': hooks(config.pre_hook),
    quoting: isRecord(config.quoting) ? config.quoting : {},
    column_types: config.column_types ?? {},
    full_refresh: typeof config.full_refresh === 'boolean' ? config.full_refresh : null,
    unique_key: config.unique_key ?? null,
    on_schema_change: stringOrNull(config.on_schema_change) ?? 'ignore',
    on_configuration_change: CONFIGURATION_CHANGES.has(config.on_configuration_change as string) ? config.on_configuration_change : 'apply',
    grants: isRecord(config.grants) ? config.grants : {},
    packages: Array.isArray(config.packages) ? config.packages : [],
    docs: { show: docs.show !== false, node_color: stringOrNull(docs.node_color) },
    contract: { enforced: contract.enforced === true, alias_types: contract.alias_types !== false },
    event_time: config.event_time ?? null,
    concurrent_batches: config.concurrent_batches ?? null,
  };
  if (kind === 'seed') {
    result.delimiter = typeof config.delimiter === 'string' ? config.delimiter : ',';
    result.quote_columns = config.quote_columns ?? null;
  } else if (kind === 'model') {
    result.access = ACCESS.has(config.access as string) ? config.access : 'protected';
  }
  return result;
}

const CONFIGURATION_CHANGES = new Set(['apply', 'continue', 'fail']);
const ACCESS = new Set(['private', 'protected', 'public']);

function testConfig(config: NodeConfig): Record<string, unknown> {
  return {
    enabled: config.enabled !== false,
    alias: config.alias ?? null,
    schema: config.schema ?? 'dbt_test__audit',
    database: config.database ?? null,
    tags: config.tags ?? [],
    meta: isRecord(config.meta) ? config.meta : {},
    group: stringOrNull(config.group),
    materialized: config.materialized,
    severity: (config.severity ?? 'error').toUpperCase(),
    store_failures: typeof config.store_failures === 'boolean' ? config.store_failures : null,
    store_failures_as: stringOrNull(config.store_failures_as),
    where: stringOrNull(config.where),
    limit: Number.isInteger(config.limit) ? config.limit : null,
    fail_calc: typeof config.fail_calc === 'string' ? config.fail_calc : 'count(*)',
    warn_if: typeof config.warn_if === 'string' ? config.warn_if : '!= 0',
    error_if: typeof config.error_if === 'string' ? config.error_if : '!= 0',
  };
}

/** dbt's `Hook`: our hooks are SQL strings, run inside the node's transaction. */
function hooks(list: readonly unknown[] | undefined): { sql: string; transaction: boolean; index: number }[] {
  return (list ?? []).map((sql, index) => ({ sql: String(sql), transaction: true, index }));
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
