/**
 * The data the docs site reads, from the manifest, the catalog and the last run: one entry per node and
 * source with the fields the selector grammar matches on (named as in the manifest types, so the page
 * evaluates selectors with the very same `selectNodes`), plus what the node page shows. SQL texts are
 * kept apart (`siteSql`), loaded after the first paint.
 */
import type { AnyNode, Manifest } from '../manifest/types.js';
import { relationKey, type CatalogRelations } from './catalog-query.js';
import { renderDocCalls, type DocBlocks } from './doc-blocks.js';
import { nodeRelation } from './dbt-catalog.js';

/** One result of run_results.json, as the page shows it. */
export interface SiteRun {
  status: string;
  executionTime: number;
  rowsAffected: number | null;
  message: string | null;
  completedAt: string | null;
  failures: number | null;
}

export interface SiteColumn {
  name: string;
  /** From the catalog (the database), else the declared `data_type`, else null. */
  type: string | null;
  description: string;
  comment: string | null;
}

export interface SiteNode {
  id: string;
  resourceType: AnyNode['resourceType'] | 'exposure';
  name: string;
  packageName: string;
  path: string;
  fqn: string[];
  config: Record<string, unknown>;
  dependsOn: { nodes: string[] };
  tags: string[];
  sourceName?: string;
  test?: { name?: string; attachedNode?: string; columnName?: string };
  unitTest?: { model: string };
  /** Exposures: what reads the project from outside it (a dashboard file's, or one of schema YAML). */
  exposure?: { type: string; label?: string; owner: { name?: string; email?: string | string[] }; maturity?: string; url?: string; dashboard?: string };
  description: string;
  /** `schema.name` on the target; absent for tests and ephemeral models. */
  relation?: string;
  /** `VIEW`, `BASE TABLE`, ... when the relation exists. */
  relationType?: string;
  columns: SiteColumn[];
  stats: { rowCount?: number; bytes?: number; indexes?: string[]; owner?: string };
  run?: SiteRun;
}

export interface SiteData {
  projectName: string;
  generatedAt: string;
  /** When the run whose results are shown ended, if any. */
  runGeneratedAt: string | null;
  catalogRead: boolean;
  nodes: SiteNode[];
  /** The dashboards of `dashboards/` (their tiles and rows are in assets/dashboards.js, loaded when one is opened). */
  dashboards: { name: string; title: string; exposureId: string }[];
}

/**
 * `blocks`: docs blocks, put into descriptions that call `{{ doc('name') }}`.
 *
 * @example siteData(manifest, relations, runResultsJson, '2026-01-01T00:00:00Z').nodes.find((n) => n.name === 'dim_customer')?.columns[0].type
 */
export function siteData(manifest: Manifest, relations: CatalogRelations | undefined, runResults: unknown, generatedAt: string, blocks: DocBlocks = new Map()): SiteData {
  const runs = runsById(runResults);
  const text = (description: string | undefined) => renderDocCalls(description ?? '', blocks);
  const nodes: SiteNode[] = [];
  for (const node of [...Object.values(manifest.sources), ...Object.values(manifest.nodes)]) {
    const where = nodeRelation(node);
    const relation = where ? relations?.get(relationKey(where.schema, where.name)) : undefined;
    const declared = Object.values(node.columns);
    const columns: SiteColumn[] = [];
    const byName = new Map<string, SiteColumn>();
    for (const column of relation?.columns ?? []) {
      const entry: SiteColumn = { name: column.name, type: column.type, description: '', comment: column.comment };
      columns.push(entry);
      byName.set(column.name.toLowerCase(), entry);
    }
    for (const column of declared) {
      const found = byName.get(column.name.toLowerCase());
      if (found) found.description = text(column.description);
      else columns.push({ name: column.name, type: column.data_type ?? null, description: text(column.description), comment: null });
    }
    const { pre_hook, post_hook, ...config } = node.config as Record<string, unknown>;
    void pre_hook;
    void post_hook;
    const entry: SiteNode = {
      id: node.id,
      resourceType: node.resourceType,
      name: node.name,
      packageName: node.packageName,
      path: node.path,
      fqn: node.fqn,
      config,
      dependsOn: { nodes: node.resourceType === 'source' ? [] : node.dependsOn.nodes },
      tags: node.resourceType === 'source' ? node.tags : [],
      description: text(node.description),
      columns,
      stats: {},
    };
    if (node.resourceType === 'source') entry.sourceName = node.sourceName;
    else if (node.test) entry.test = { name: node.test.name, attachedNode: node.test.attachedNode, columnName: node.test.columnName };
    else if (node.unitTest) entry.unitTest = { model: node.unitTest.model };
    if (where) entry.relation = `${where.schema}.${where.name}`;
    if (relation) {
      entry.relationType = relation.type;
      if (relation.rowCount !== null) entry.stats.rowCount = relation.rowCount;
      if (relation.bytes !== null) entry.stats.bytes = relation.bytes;
      if (relation.indexes.length > 0) entry.stats.indexes = relation.indexes;
      if (relation.owner) entry.stats.owner = relation.owner;
    }
    const run = runs.get(node.id);
    if (run) entry.run = run;
    nodes.push(entry);
  }
  for (const exposure of Object.values(manifest.exposures ?? {})) {
    const { type, label, owner, maturity, url, dashboard } = exposure;
    nodes.push({
      id: exposure.id,
      resourceType: 'exposure',
      name: exposure.name,
      packageName: exposure.packageName,
      path: exposure.path,
      fqn: exposure.fqn,
      config: exposure.config,
      dependsOn: { nodes: exposure.dependsOn.nodes },
      tags: exposure.tags,
      exposure: { type, label, owner, maturity, url, dashboard },
      description: text(exposure.description),
      columns: [],
      stats: {},
    });
  }
  const dashboards = Object.values(manifest.exposures ?? {})
    .filter((e) => e.dashboard)
    .map((e) => ({ name: e.dashboard!, title: e.label ?? e.name, exposureId: e.id }));
  const metadata = (runResults as { metadata?: { generated_at?: string } } | undefined)?.metadata;
  return { projectName: manifest.projectName, generatedAt, runGeneratedAt: metadata?.generated_at ?? null, catalogRead: relations !== undefined, nodes, dashboards };
}

/** id → [raw SQL, compiled SQL], for the node pages. */
export function siteSql(manifest: Manifest, compiled: ReadonlyMap<string, string>): Record<string, [string, string]> {
  const sql: Record<string, [string, string]> = {};
  for (const node of Object.values(manifest.nodes)) {
    const code = compiled.get(node.id);
    if (node.rawSql || code) sql[node.id] = [node.rawSql ?? '', code ?? ''];
  }
  return sql;
}

function runsById(runResults: unknown): Map<string, SiteRun> {
  const runs = new Map<string, SiteRun>();
  const results = (runResults as { results?: unknown[] } | undefined)?.results;
  if (!Array.isArray(results)) return runs;
  for (const item of results as Record<string, any>[]) {
    if (typeof item?.unique_id !== 'string') continue;
    const timing = Array.isArray(item.timing) ? item.timing[item.timing.length - 1] : undefined;
    runs.set(item.unique_id, {
      status: String(item.status),
      executionTime: Number(item.execution_time) || 0,
      rowsAffected: typeof item.adapter_response?.rows_affected === 'number' ? item.adapter_response.rows_affected : null,
      message: typeof item.message === 'string' ? item.message : null,
      completedAt: typeof timing?.completed_at === 'string' ? timing.completed_at : null,
      failures: typeof item.failures === 'number' ? item.failures : null,
    });
  }
  return runs;
}
