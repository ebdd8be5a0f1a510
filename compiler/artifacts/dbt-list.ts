import type { ManifestNode } from '../manifest/types.js';
import { dbtConfig } from './dbt-config.js';
import type { MacroIds } from './dbt-node.js';

/**
 * One line of `strata ls --output json`, as `dbt ls --output json` prints it: the keys dbt lists by
 * default, config in dbt's shape, macro dependencies as dbt ids.
 *
 * @example dbtListEntry(manifest.nodes['model.pagila.dim_customer'], macroIdIndex(manifest.macros, 'pagila'))
 *   // { name: 'dim_customer', resource_type: 'model', package_name: 'pagila', original_file_path: 'models/…', … }
 */
export function dbtListEntry(node: ManifestNode, macroIds: MacroIds): Record<string, unknown> {
  const kind = node.resourceType === 'seed' || node.resourceType === 'snapshot' || node.resourceType === 'model' ? node.resourceType : 'test';
  const depends_on = node.resourceType === 'seed' ? { macros: node.dependsOn.macros.map(macroIds) } : { macros: node.dependsOn.macros.map(macroIds), nodes: node.dependsOn.nodes };
  return {
    name: node.name,
    resource_type: node.resourceType,
    package_name: node.packageName,
    original_file_path: node.path,
    unique_id: node.id,
    alias: node.alias,
    config: dbtConfig(node.config, kind),
    tags: node.config.tags ?? [],
    depends_on,
  };
}
