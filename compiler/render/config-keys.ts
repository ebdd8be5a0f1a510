/**
 * Every node config key Strata knows, for models, seeds, snapshots and data tests: whether it acts on
 * it or only accepts it. The README's config table is checked against this list (tests/run/
 * config-keys.test.ts), and after the parse pass each key a node sets that Strata does not act on, or
 * does not know, is a warning naming it: a dbt user reads silence as "it worked".
 */
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestNode } from '../manifest/types.js';
import type { Project } from '../project/load-project.js';
import { lineAndColumn } from '../run/incremental/incremental-config.js';

export type ConfigResource = 'model' | 'seed' | 'snapshot' | 'test';

export interface ConfigKey {
  key: string;
  /** Where Strata acts on the key. */
  applied: ConfigResource[];
  /** Where dbt has the key and Strata accepts it without acting on it: a warning. */
  warns: ConfigResource[];
}

const ALL: ConfigResource[] = ['model', 'seed', 'snapshot', 'test'];
const BUILT: ConfigResource[] = ['model', 'seed', 'snapshot'];
const applied = (key: string, where: ConfigResource[], warns: ConfigResource[] = []): ConfigKey => ({ key, applied: where, warns });
const warns = (key: string, where: ConfigResource[]): ConfigKey => ({ key, applied: [], warns: where });

/** dbt's model, seed, snapshot and data test configs (dbt 1.9/1.10), with what Strata does with each. */
export const CONFIG_KEYS: ConfigKey[] = [
  // General configs.
  applied('enabled', ALL),
  applied('tags', ALL),
  applied('meta', ALL),
  applied('materialized', ['model']),
  applied('schema', ALL),
  applied('alias', ALL),
  warns('database', ALL),
  applied('pre_hook', BUILT),
  applied('post_hook', BUILT),
  applied('persist_docs', BUILT),
  applied('grants', BUILT),
  applied('docs', BUILT),
  applied('full_refresh', ['model'], ['seed']),
  applied('event_time', ['model', 'seed'], ['snapshot']),
  warns('quoting', BUILT),
  // Resource configs set by other stages (groups, access); their own suites cover them.
  applied('group', ALL),
  applied('access', ['model']),
  // Models.
  applied('contract', ['model']),
  applied('indexes', ['model'], ['seed', 'snapshot']),
  applied('unique_key', ['model', 'snapshot']),
  applied('incremental_strategy', ['model']),
  applied('on_schema_change', ['model']),
  applied('incremental_predicates', ['model']),
  applied('merge_update_columns', ['model']),
  applied('merge_exclude_columns', ['model']),
  applied('batch_size', ['model']),
  applied('begin', ['model']),
  applied('lookback', ['model']),
  warns('concurrent_batches', ['model']),
  warns('sql_header', ['model', 'snapshot']),
  warns('on_configuration_change', ['model']),
  warns('unlogged', ['model']),
  warns('packages', ['model']),
  warns('submission_method', ['model']),
  warns('freshness', ['model']),
  // Seeds.
  applied('column_types', ['seed']),
  warns('delimiter', ['seed']),
  warns('quote_columns', ['seed']),
  // Snapshots.
  applied('strategy', ['snapshot']),
  applied('updated_at', ['snapshot']),
  applied('check_cols', ['snapshot']),
  applied('hard_deletes', ['snapshot']),
  applied('invalidate_hard_deletes', ['snapshot']),
  applied('snapshot_meta_column_names', ['snapshot']),
  applied('dbt_valid_to_current', ['snapshot']),
  applied('target_schema', ['snapshot']),
  warns('target_database', ['snapshot']),
  // Data tests.
  applied('severity', ['test']),
  applied('error_if', ['test']),
  applied('warn_if', ['test']),
  applied('where', ['test']),
  applied('limit', ['test']),
  applied('fail_calc', ['test']),
  applied('store_failures', ['test']),
  warns('store_failures_as', ['test']),
];

const BY_KEY = new Map(CONFIG_KEYS.map((entry) => [entry.key, entry]));

/** Keys Strata sets on nodes itself (never written by a user as such), or spellings it normalizes. */
const INTERNAL = new Set(['pre-hook', 'post-hook']);

/** At most this many node names in one warning. */
const NAMED = 3;

/**
 * One warning per config key and resource type that some nodes set and Strata does not act on (or
 * does not know, with the closest known key): `STR146` / `STR147`. Also warns about settings that
 * cannot take effect where they are set: constraints without an enforced contract or on a view, and
 * grants or persist_docs on an ephemeral model.
 *
 * @example configKeyWarnings(nodes)
 *   // [{ code: 'STR146', severity: 'warn', message: "config 'sql_header' of model 'orders' is accepted but Strata does not act on it", ... }]
 */
export function configKeyWarnings(nodes: Iterable<ManifestNode>, project?: Project): Diagnostic[] {
  const found = new Map<string, { resource: ConfigResource; key: string; nodes: ManifestNode[]; known: boolean }>();
  const note = (resource: ConfigResource, key: string, node: ManifestNode, known: boolean) => {
    const id = `${resource}:${key}`;
    const entry = found.get(id) ?? { resource, key, nodes: [], known };
    entry.nodes.push(node);
    found.set(id, entry);
  };
  const extra: Diagnostic[] = [];
  for (const node of nodes) {
    const resource = resourceOf(node);
    if (!resource) continue;
    for (const key of Object.keys(node.config)) {
      const value = node.config[key];
      // Defaults every node carries (empty hook and index lists, a seed's own materialization) are not settings.
      if (INTERNAL.has(key) || value === undefined || (Array.isArray(value) && value.length === 0)) continue;
      if (key === 'materialized' && value === node.resourceType) continue;
      // Seed columns are always quoted: `quote_columns: true` is what Strata does anyway.
      if (key === 'quote_columns' && value === true) continue;
      const entry = BY_KEY.get(key);
      if (entry?.applied.includes(resource)) continue;
      note(resource, key, node, entry !== undefined);
    }
    if (resource === 'model') extra.push(...placementWarnings(node));
  }
  const warnings: Diagnostic[] = [];
  for (const { resource, key, nodes: setOn, known } of found.values()) {
    const names = setOn.slice(0, NAMED).map((n) => `'${n.name}'`).join(', ');
    const more = setOn.length > NAMED ? ` and ${setOn.length - NAMED} more` : '';
    const which = `${resource}${setOn.length > 1 ? 's' : ''} ${names}${more}`;
    const place = keyPlace(setOn[0], key, project);
    if (known) {
      warnings.push({
        code: 'STR146',
        severity: 'warn',
        message: `config '${key}' of ${which} is accepted but Strata does not act on it`,
        ...place,
        hint: 'see the config table in the README; take it out to silence this',
      });
    } else {
      const close = didYouMean(key, CONFIG_KEYS.filter((e) => e.applied.includes(resource) || e.warns.includes(resource)).map((e) => e.key));
      warnings.push({
        code: 'STR147',
        severity: 'warn',
        message: `unknown config '${key}' of ${which} (ignored)`,
        ...place,
        hint: close ? `did you mean '${close}'?` : 'a value of your own belongs under meta: {...}',
      });
    }
  }
  return [...warnings, ...extra];
}

/**
 * Where a node's config key is set: `key=` in its file's `config()`, else `key:` in its YAML properties,
 * else `+key:` in project.yml (each with line and column); the node's file when none says.
 */
function keyPlace(node: ManifestNode, key: string, project?: Project): { file: string; line?: number; column?: number } {
  const name = key.replace(/[^\w]/g, '\\$&');
  const inSql = new RegExp(`\\b${name}\\s*=`).exec(node.rawSql);
  if (inSql) return { file: node.path, ...lineAndColumn(node.rawSql, inSql.index) };
  if (project) {
    const yaml = node.patchPath ? project.files.yaml.find((f) => f.path === node.patchPath)?.text : undefined;
    const inYaml = yaml === undefined ? null : new RegExp(`^[ \\t-]*${name}\\s*:`, 'm').exec(yaml);
    if (inYaml) return { file: node.patchPath!, ...lineAndColumn(yaml!, inYaml.index + inYaml[0].indexOf(key)) };
    let text: string | undefined;
    try {
      text = readFileSync(join(project.root, project.configFile), 'utf8');
    } catch {
      text = undefined;
    }
    const inProject = text === undefined ? null : new RegExp(`^\\s*\\+?${name}\\s*:`, 'm').exec(text);
    if (inProject) return { file: project.configFile, ...lineAndColumn(text!, inProject.index + inProject[0].indexOf(key) - (inProject[0].includes(`+${key}`) ? 1 : 0)) };
  }
  return { file: node.rawSql.includes(key) ? node.path : (node.patchPath ?? node.path) };
}

function resourceOf(node: ManifestNode): ConfigResource | undefined {
  switch (node.resourceType) {
    case 'model':
    case 'seed':
    case 'snapshot':
    case 'test':
      return node.resourceType;
    default:
      return undefined;
  }
}

/** Constraints and configs set where they cannot take effect. */
function placementWarnings(node: ManifestNode): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  const file = node.patchPath ?? node.path;
  const hasConstraints =
    (node.constraints?.length ?? 0) > 0 || Object.values(node.columns).some((c) => Array.isArray(c.constraints) && c.constraints.length > 0);
  const contract = node.config.contract as { enforced?: unknown } | undefined;
  const materialized = node.config.materialized;
  if (hasConstraints && contract?.enforced !== true) {
    warnings.push({
      code: 'STR148',
      severity: 'warn',
      message: `the constraints of model '${node.name}' are not applied: its contract is not enforced`,
      file,
      hint: 'set config: {contract: {enforced: true}} and a data_type on every column',
    });
  } else if (hasConstraints && (materialized === 'view' || materialized === 'ephemeral')) {
    warnings.push({
      code: 'STR148',
      severity: 'warn',
      message: `the constraints of model '${node.name}' are not applied: it is a ${materialized} (constraints need a table or an incremental model)`,
      file,
    });
  }
  if (materialized === 'ephemeral') {
    for (const key of ['grants', 'persist_docs'] as const) {
      if (node.config[key] !== undefined) {
        warnings.push({
          code: 'STR148',
          severity: 'warn',
          message: `config '${key}' of model '${node.name}' is not applied: an ephemeral model has no relation`,
          file,
        });
      }
    }
  }
  return warnings;
}
