/**
 * `graph` in templates: the nodes and sources of the manifest in dbt's shape (the same mapping as
 * manifest.json), so macros that walk `graph.nodes.values()` see what they see in dbt.
 */
import type { Manifest } from '../manifest/types.js';
import { dbtNodeJson, dbtSource, macroIdIndex, type ArtifactContext } from './dbt-node.js';

/** @example dbtGraph(parsed.manifest, context).nodes['model.pagila.dim_customer'].config.materialized */
export function dbtGraph(manifest: Manifest, context: ArtifactContext): Record<string, unknown> {
  const macroIds = macroIdIndex(manifest.macros, context.projectName);
  const createdAt = Date.parse(context.generatedAt) / 1000 || Date.now() / 1000;
  const nodes: Record<string, unknown> = {};
  for (const [id, node] of Object.entries(manifest.nodes)) {
    if (node.resourceType !== 'unit_test') nodes[id] = JSON.parse(dbtNodeJson(node, context, macroIds, null, createdAt));
  }
  const sources: Record<string, unknown> = {};
  for (const [id, source] of Object.entries(manifest.sources)) sources[id] = dbtSource(source, context, createdAt);
  return { nodes, sources, exposures: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };
}
