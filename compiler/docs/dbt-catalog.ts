/**
 * `target/catalog.json` in dbt's catalog v1 shape: for each model, seed, snapshot and source whose
 * relation exists on the target, its columns with types and comments, and stats (row count, size,
 * indexes) in dbt's `StatsItem` form, which is what its docs site shows under "Details".
 */
import type { AnyNode, Manifest } from '../manifest/types.js';
import { dbtMetadata } from '../artifacts/dbt-manifest.js';
import type { ArtifactContext } from '../artifacts/dbt-node.js';
import { relationKey, type CatalogRelation, type CatalogRelations } from './catalog-query.js';

export const CATALOG_SCHEMA = 'https://schemas.getdbt.com/dbt/catalog/v1.json';

/** The relation a node is built as or read from; none for tests, unit tests and ephemeral models. */
export function nodeRelation(node: AnyNode): { schema: string; name: string } | undefined {
  if (node.resourceType === 'source') return { schema: node.schema, name: node.identifier };
  if (node.resourceType === 'test' || node.resourceType === 'unit_test' || node.config.materialized === 'ephemeral') return undefined;
  return { schema: node.schema, name: node.alias };
}

/** Every schema the manifest's relations live in: what the catalog query reads. */
export function relationSchemas(manifest: Manifest): string[] {
  const schemas = new Set<string>();
  for (const node of [...Object.values(manifest.nodes), ...Object.values(manifest.sources)]) {
    const relation = nodeRelation(node);
    if (relation) schemas.add(relation.schema);
  }
  return [...schemas].sort();
}

/**
 * @example dbtCatalog(manifest, await readCatalog(adapter, relationSchemas(manifest)), context).nodes['model.pagila.dim_customer'].columns.customer_id.type
 *   // 'integer'
 */
export function dbtCatalog(manifest: Manifest, relations: CatalogRelations, context: ArtifactContext): Record<string, unknown> {
  const entries = (nodes: AnyNode[]) => {
    const out: Record<string, unknown> = {};
    for (const node of nodes) {
      if (node.config.enabled === false) continue;
      const where = nodeRelation(node);
      const relation = where && relations.get(relationKey(where.schema, where.name));
      if (relation) out[node.id] = catalogTable(node.id, relation, context.database);
    }
    return out;
  };
  return {
    metadata: dbtMetadata(context, CATALOG_SCHEMA, false),
    nodes: entries(Object.values(manifest.nodes)),
    sources: entries(Object.values(manifest.sources)),
    errors: null,
  };
}

function catalogTable(id: string, relation: CatalogRelation, database: string | null): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const column of relation.columns) columns[column.name] = { type: column.type, index: column.index, name: column.name, comment: column.comment };
  const stats: Record<string, unknown> = {};
  const stat = (statId: string, label: string, value: string | number | boolean | null, description: string) => {
    stats[statId] = { id: statId, label, value, include: true, description };
  };
  if (relation.rowCount !== null) stat('row_count', 'Row Count', relation.rowCount, 'Estimated rows, from the table statistics');
  if (relation.bytes !== null) stat('bytes', 'Approximate Size', relation.bytes, 'Table, indexes and TOAST, in bytes');
  if (relation.indexes.length > 0) stat('indexes', 'Indexes', relation.indexes.join('\n'), 'CREATE INDEX statements of the relation');
  const hasStats = Object.keys(stats).length > 0;
  stats.has_stats = { id: 'has_stats', label: 'Has Stats?', value: hasStats, include: false, description: 'Indicates whether there are statistics for this table' };
  return {
    metadata: { type: relation.type, schema: relation.schema, name: relation.name, database, comment: relation.comment, owner: relation.owner },
    columns,
    stats,
    unique_id: id,
  };
}
