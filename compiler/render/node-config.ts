/**
 * A node's config as the parse pass builds it: defaults, the project's config trees (their Jinja
 * rendered), YAML properties and the file's own `config()`; checked for values Strata cannot act on.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Materialization, ManifestNode, NodeConfig } from '../manifest/types.js';
import { nodeId } from '../manifest/types.js';
import { mergeConfig } from '../project/config-tree.js';
import type { ProjectFile } from '../project/project-files.js';
import type { ConfigTree } from '../project/project-schema.js';
import {
  BATCH_SIZES,
  checkIncrementalConfig,
  INCREMENTAL_STRATEGIES,
  lineAndColumn,
  ON_SCHEMA_CHANGE,
  placeOf,
} from '../run/incremental/incremental-config.js';
import { renderProjectString } from './project-strings.js';
import type { Renderer } from './renderer.js';

export const MATERIALIZATIONS = new Set<Materialization>(['view', 'table', 'incremental', 'ephemeral']);

/**
 * The config a node has before its template runs: defaults, then the config tree, then its YAML
 * properties. Always a new object, with arrays of its own (callers keep it as the node's config).
 */
export function baseConfig(
  materialized: Materialization,
  tree: Record<string, unknown>,
  yaml: Record<string, unknown>,
): Record<string, unknown> {
  if (!hasKeys(yaml)) {
    // The tree's config is one object per folder: thousands of files in it share the same merge.
    let byMaterialization = treeBaseConfigs.get(tree);
    if (!byMaterialization) treeBaseConfigs.set(tree, (byMaterialization = new Map()));
    let merged = byMaterialization.get(materialized);
    if (!merged) byMaterialization.set(materialized, (merged = mergeBaseConfig(materialized, tree, yaml)));
    return copyConfig(merged);
  }
  return mergeBaseConfig(materialized, tree, yaml);
}

const treeBaseConfigs = new WeakMap<Record<string, unknown>, Map<Materialization, Record<string, unknown>>>();

export function mergeBaseConfig(
  materialized: Materialization,
  tree: Record<string, unknown>,
  yaml: Record<string, unknown>,
): Record<string, unknown> {
  const defaults = { materialized, enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] };
  return mergeConfig(mergeConfig(defaults, normalizeLists(tree)), normalizeLists(yaml));
}

/** A copy whose top-level arrays are copies too, as a fresh merge would give. */
export function copyConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key in copy) {
    const value = copy[key];
    if (Array.isArray(value)) copy[key] = value.slice();
  }
  return copy;
}

export function hasKeys(value: Record<string, unknown>): boolean {
  for (const _ in value) return true;
  return false;
}

const LIST_KEYS = ['tags', 'pre_hook', 'post_hook', 'pre-hook', 'post-hook'];

export function normalizeLists<T extends Record<string, unknown>>(config: T): T {
  const result: Record<string, unknown> = { ...config };
  for (const key of LIST_KEYS) {
    const value = result[key];
    if (value !== undefined && !Array.isArray(value)) result[key] = [value];
  }
  return result as T;
}

export function finishConfig(config: Record<string, unknown>, file: string, text = ''): NodeConfig {
  const bare = bareConfigNames(text, file);
  if (bare.length > 0) throw new StrataError(bare);
  const materialized = config.materialized as Materialization;
  if (!MATERIALIZATIONS.has(materialized)) {
    const list = Array.isArray(materialized);
    throw new StrataError({
      code: 'STR121',
      message: list ? `materialized is a list (${JSON.stringify(materialized)}); it takes one name` : `unknown materialization '${String(materialized)}'`,
      file,
      ...placeOf(text, 'materialized'),
      hint: list ? 'write +materialized: view, not [view] (in project.yml, a properties file or config())' : 'use view, table, incremental or ephemeral',
    });
  }
  // `config` is the caller's own fresh merge: normalized in place.
  for (const key of LIST_KEYS) {
    const value = config[key];
    if (value !== undefined && !Array.isArray(value)) config[key] = [value];
  }
  config.tags = [...new Set(config.tags as string[])];
  const incremental = checkIncrementalConfig(config, file, text);
  if (incremental.length > 0) throw new StrataError(incremental);
  return config as NodeConfig;
}

/** Values of config keys that are names a user means as text: `materialized=table` is an undefined variable. */
const TEXT_VALUES: Record<string, readonly string[]> = {
  materialized: [...MATERIALIZATIONS],
  incremental_strategy: INCREMENTAL_STRATEGIES,
  on_schema_change: ON_SCHEMA_CHANGE,
  batch_size: BATCH_SIZES,
};

/**
 * `config(materialized=table)`: Jinja reads `table` as a variable, undefined, so the config would be
 * silently dropped. An error at the name, unless the template sets a variable of that name.
 */
export function bareConfigNames(text: string, file: string): Diagnostic[] {
  if (!text.includes('config')) return [];
  const problems: Diagnostic[] = [];
  for (const match of text.matchAll(/\b(materialized|incremental_strategy|on_schema_change|batch_size)\s*=\s*([A-Za-z_]\w*)\b(?!\s*[(.[])/g)) {
    const [, key, name] = match;
    if (!TEXT_VALUES[key].includes(name) || new RegExp(`\\bset\\s+${name}\\b`).test(text)) continue;
    problems.push({
      code: 'STR137',
      message: `${key}=${name}: '${name}' is read as a variable, and none is set`,
      file,
      ...lineAndColumn(text, match.index + match[0].length - name.length),
      hint: `quote it: ${key}='${name}'`,
    });
  }
  return problems;
}

const HOOK_KEYS = new Set(['pre-hook', 'post-hook', 'pre_hook', 'post_hook', '+pre-hook', '+post-hook', '+pre_hook', '+post_hook']);

/**
 * A config tree with its Jinja rendered (`+enabled: "{{ var('x', false) }}"`, `+schema`, `+tags`,
 * `column_types` values): vars, env_var, target and macros work. A value that is one expression keeps
 * a boolean or none result as that type. Hooks are left as written: they render when they run. A tree
 * without any `{{` is returned as it is, so the common case costs one walk.
 */
export function renderConfigTree(renderer: Renderer, tree: ConfigTree, file: string, collect: <T>(fn: () => T) => T | undefined): ConfigTree {
  const hasJinja = (value: unknown): boolean =>
    typeof value === 'string'
      ? value.includes('{{') || value.includes('{%')
      : Array.isArray(value)
        ? value.some(hasJinja)
        : typeof value === 'object' && value !== null && Object.entries(value).some(([k, v]) => !HOOK_KEYS.has(k) && hasJinja(v));
  if (!hasJinja(tree)) return tree;
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('{{') && !value.includes('{%')) return value;
      const text = collect(() => renderProjectString(renderer, value, file));
      if (text === undefined) return value;
      if (/^\s*\{\{[^{}]*\}\}\s*$/.test(value)) {
        if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
        if (text === '' || text === 'None') return null;
      }
      return text;
    }
    if (Array.isArray(value)) return value.map(render);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, HOOK_KEYS.has(k) ? v : render(v)]));
    }
    return value;
  };
  return render(tree) as ConfigTree;
}

export function fqnOf(projectName: string, path: string, roots: string[]): string[] {
  const root = roots.find((r) => path.startsWith(`${r.replace(/\/$/, '')}/`));
  const inner = root ? path.slice(root.replace(/\/$/, '').length + 1) : path;
  const parts = inner.replace(/\.[^.\/]+$/, '').split('/');
  return [projectName, ...parts];
}

export function nodeBase(
  resourceType: ManifestNode['resourceType'],
  projectName: string,
  name: string,
  file: ProjectFile,
  fqn: string[],
  config: NodeConfig,
  props: { description?: string; columns: ManifestNode['columns']; file: string; constraints?: Record<string, unknown>[] } | undefined,
): Omit<ManifestNode, 'refs' | 'sources' | 'dependsOn'> {
  return {
    id: nodeId(`${resourceType}.${projectName}.${name}`),
    resourceType,
    name,
    packageName: projectName,
    path: file.path,
    fqn,
    rawSql: file.text,
    checksum: file.checksum,
    config,
    schema: '',
    alias: name,
    description: props?.description,
    columns: props?.columns ?? {},
    patchPath: props?.file,
    ...(props?.constraints ? { constraints: props.constraints } : {}),
  };
}

