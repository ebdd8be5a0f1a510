/**
 * A source table's freshness settings: the table's YAML over its source's (merged in
 * project/source-freshness-yaml.ts), over the project's `sources:` tree (`+freshness`, `+loaded_at_field`,
 * `+loaded_at_query`).
 */
import { StrataError } from '../diagnostics/strata-error.js';
import type { FreshnessThreshold, SourceTable } from '../manifest/types.js';
import { configResolver } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import type { ConfigTree } from '../project/project-schema.js';
import type { SourceDefinition, SourceTableDefinition } from '../project/schema-yaml.js';
import { freshnessSchema, mergeFreshness } from '../project/source-freshness-yaml.js';

const resolvers = new WeakMap<ConfigTree, (fqn: string[]) => Record<string, unknown>>();

/**
 * The `freshness`, `loadedAtField` and `sourceDescription` of a source table's node (keys left out
 * when not set, so sources without freshness look as they did).
 */
export function sourceFreshness(
  table: SourceTableDefinition,
  source: SourceDefinition,
  project: Pick<Project, 'name' | 'config' | 'configFile'>,
  collect: <T>(fn: () => T) => T | undefined,
): Pick<SourceTable, 'freshness' | 'loadedAtField' | 'loadedAtQuery' | 'sourceDescription'> {
  const result: Pick<SourceTable, 'freshness' | 'loadedAtField' | 'loadedAtQuery' | 'sourceDescription'> = {};
  if (source.description) result.sourceDescription = source.description;
  const tree = project.config.sources ?? {};
  let fromTree: Record<string, unknown> = {};
  if (Object.keys(tree).length > 0) {
    let resolve = resolvers.get(tree);
    if (!resolve) resolvers.set(tree, (resolve = configResolver(tree)));
    fromTree = resolve([project.name, source.name, table.name]);
  }
  const treeFreshness = 'freshness' in fromTree ? collect(() => checkedTreeFreshness(fromTree.freshness, project.configFile)) : undefined;
  const freshness = table.freshness === undefined ? treeFreshness : mergeFreshness(treeFreshness, table.freshness);
  if (freshness && (freshness.warn_after || freshness.error_after)) result.freshness = freshness;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const loadedAtQuery = table.loadedAtField === undefined ? (table.loadedAtQuery ?? text(fromTree.loaded_at_query)) : undefined;
  const loadedAtField = loadedAtQuery === undefined ? (table.loadedAtField ?? text(fromTree.loaded_at_field)) : undefined;
  if (loadedAtField) result.loadedAtField = loadedAtField;
  if (loadedAtQuery) result.loadedAtQuery = loadedAtQuery;
  return result;
}

function checkedTreeFreshness(value: unknown, file: string): FreshnessThreshold | null {
  const parsed = freshnessSchema.safeParse(value);
  if (!parsed.success || (parsed.data && [parsed.data.warn_after, parsed.data.error_after].some((t) => t && (t.count == null) !== (t.period == null)))) {
    throw new StrataError({
      code: 'STR181',
      message: `+freshness in the sources: tree is not a freshness (warn_after / error_after: {count, period}, filter)`,
      file,
      hint: 'e.g. +freshness: {warn_after: {count: 12, period: hour}}',
    });
  }
  if (parsed.data === null) return null;
  const result: FreshnessThreshold = {};
  for (const key of ['warn_after', 'error_after'] as const) {
    const time = parsed.data[key];
    if (time?.count != null && time.period != null) result[key] = { count: time.count, period: time.period };
  }
  if (parsed.data.filter) result.filter = parsed.data.filter;
  return result;
}
