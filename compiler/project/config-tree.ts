import type { ConfigTree } from './project-schema.js';

/** Config keys recognised without a `+` prefix in a config tree (dbt accepts both forms for these). */
export const KNOWN_KEYS = new Set([
  'materialized', 'schema', 'alias', 'database', 'tags', 'enabled', 'pre-hook', 'post-hook', 'pre_hook', 'post_hook',
  'indexes', 'column_types', 'unique_key', 'meta', 'docs', 'persist_docs', 'contract', 'severity', 'store_failures',
  'where', 'limit', 'error_if', 'warn_if', 'full_refresh', 'on_schema_change', 'incremental_strategy', 'quote_columns',
  'delimiter', 'grants', 'group', 'access', 'quoting',
]);

/** Keys whose values accumulate from the outer folder to the file instead of replacing. */
const ADDITIVE = new Set(['tags', 'pre_hook', 'post_hook']);

/** `pre-hook` → `pre_hook`. */
export function normalizeConfigKey(key: string): string {
  return key.replace(/^\+/, '').replace(/-/g, '_');
}

/**
 * Merges `override` into `base` with dbt's rules: tags and hooks add up, meta merges, the rest replaces.
 * Returns a new object.
 */
export function mergeConfig(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [rawKey, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const key = normalizeConfigKey(rawKey);
    if (ADDITIVE.has(key)) {
      const list = Array.isArray(value) ? value : [value];
      merged[key] = [...((merged[key] as unknown[] | undefined) ?? []), ...list];
    } else if (key === 'meta' && isPlainObject(value) && isPlainObject(merged.meta)) {
      merged.meta = { ...merged.meta, ...value };
    } else if (key === 'grants' && isPlainObject(value) && isPlainObject(merged.grants)) {
      merged.grants = mergeGrants(merged.grants, value);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

/**
 * The configs a config tree gives a node at `fqn` (`[project, ...folders, name]`), outermost first.
 *
 * @example configFromTree({ pagila: { '+materialized': 'view', gold: { '+materialized': 'table' } } },
 *                         ['pagila', 'gold', 'gold_customer_metrics'])  // { materialized: 'table' }
 */
export function configFromTree(tree: ConfigTree, fqn: string[]): Record<string, unknown> {
  let config: Record<string, unknown> = {};
  let level: unknown = tree;
  for (const part of fqn) {
    if (!isPlainObject(level)) break;
    const next = level[part];
    if (next === undefined) break;
    level = next;
    if (isPlainObject(level)) config = mergeConfig(config, configEntries(level));
  }
  return config;
}

/**
 * `configFromTree` for many nodes: the configs of each folder are merged once and reused by every file
 * in it (a 10,000-model project has a few dozen folders).
 */
export function configResolver(tree: ConfigTree): (fqn: string[]) => Record<string, unknown> {
  const folders = new Map<string, { config: Record<string, unknown>; level: unknown }>();
  const folder = (parts: string[]): { config: Record<string, unknown>; level: unknown } => {
    const key = parts.join('/');
    let found = folders.get(key);
    if (!found) {
      if (parts.length === 0) found = { config: {}, level: tree };
      else {
        const parent = folder(parts.slice(0, -1));
        const next = isPlainObject(parent.level) ? parent.level[parts[parts.length - 1]] : undefined;
        found = {
          config: isPlainObject(next) ? mergeConfig(parent.config, configEntries(next)) : parent.config,
          level: next,
        };
      }
      folders.set(key, found);
    }
    return found;
  };
  return (fqn) => {
    const parent = folder(fqn.slice(0, -1));
    const own = isPlainObject(parent.level) ? parent.level[fqn[fqn.length - 1]] : undefined;
    return isPlainObject(own) ? mergeConfig(parent.config, configEntries(own)) : parent.config;
  };
}

/**
 * dbt's merge of `grants`: a privilege set closer to the node replaces the outer one's grantees;
 * `+select` adds to them instead.
 *
 * @example mergeGrants({ select: ['a'] }, { '+select': ['b'], insert: 'c' })  // { select: ['a', 'b'], insert: ['c'] }
 */
export function mergeGrants(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]);
  const merged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) merged[key.replace(/^\+/, '')] = list(value);
  for (const [key, value] of Object.entries(override)) {
    const privilege = key.replace(/^\+/, '');
    merged[privilege] = key.startsWith('+') && privilege in merged ? [...list(merged[privilege]), ...list(value)] : list(value);
  }
  return merged;
}

function configEntries(level: Record<string, unknown>): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(level)) {
    if (key.startsWith('+')) entries[key] = value;
    else if (KNOWN_KEYS.has(key) && !isPlainObject(value)) entries[key] = value;
    else if (KNOWN_KEYS.has(key) && (key === 'meta' || key === 'docs' || key === 'contract' || key === 'column_types' || key === 'grants' || key === 'persist_docs'))
      entries[key] = value;
  }
  return entries;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
