/**
 * `target/manifest.json` in dbt's manifest v12 shape, produced member by member for the streaming
 * writer: nodes are mapped one at a time as they are written, never all held in dbt's shape at once.
 */
import { hash as digest } from 'node:crypto';
import type { Manifest, ManifestNode } from '../manifest/types.js';
import { dbtExposure } from './dbt-exposure.js';
import { dbtMacro, dbtNodeJson, dbtSource, dbtUnitTest, macroIdIndex, type ArtifactContext } from './dbt-node.js';
import { RawJson, StreamedObject } from './json-stream.js';
import { dbtDocs, dbtGroupMap, dbtGroups } from './dbt-docs-groups.js';

export const MANIFEST_SCHEMA = 'https://schemas.getdbt.com/dbt/manifest/v12.json';
/** The dbt release whose published schemas our artifacts follow; tools gate features on it. */
export const DBT_VERSION = '1.11.6';

/**
 * The members of manifest.json, in dbt's order. `compiledPath(node)` is where the node's compiled SQL
 * was written (relative to the project root).
 *
 * @example writeJsonStream(file, dbtManifestMembers(manifest, context, (n) => `target/compiled/pagila/${n.path}`))
 */
export function dbtManifestMembers(manifest: Manifest, context: ArtifactContext, compiledPath: (node: ManifestNode) => string, compiled?: ReadonlyMap<string, string>): [string, unknown][] {
  const macroIds = macroIdIndex(manifest.macros, context.projectName);
  const createdAt = Date.parse(context.generatedAt) / 1000 || Date.now() / 1000;
  const ids = Object.keys(manifest.nodes);
  return [
    ['metadata', dbtMetadata(context, MANIFEST_SCHEMA, true)],
    [
      'nodes',
      new StreamedObject(function* () {
        for (const id of ids) {
          const node = manifest.nodes[id]!;
          if (node.resourceType !== 'unit_test') yield [id, new RawJson(dbtNodeJson(node, context, macroIds, compiledPath(node), createdAt, compiled?.get(id)))];
        }
      }),
    ],
    ['sources', new StreamedObject(() => Object.keys(manifest.sources).map((id) => [id, dbtSource(manifest.sources[id]!, context, createdAt)] as const))],
    [
      'macros',
      new StreamedObject(() =>
        Object.keys(manifest.macros).map((key) => {
          const macro = dbtMacro(key, manifest.macros[key]!, context, macroIds, createdAt);
          return [macro.unique_id as string, macro] as const;
        }),
      ),
    ],
    ['docs', dbtDocs(manifest)],
    ['exposures', new StreamedObject(() => Object.values(manifest.exposures ?? {}).map((exposure) => [exposure.id, dbtExposure(exposure, createdAt)] as const))],
    ['metrics', {}],
    ['groups', dbtGroups(manifest)],
    ['selectors', {}],
    ['disabled', {}],
    ...graphMaps(manifest),
    ['group_map', dbtGroupMap(manifest)],
    ['saved_queries', {}],
    ['semantic_models', {}],
    [
      'unit_tests',
      new StreamedObject(function* () {
        for (const id of ids) {
          const node = manifest.nodes[id]!;
          if (node.resourceType === 'unit_test' && node.unitTest) yield [id, dbtUnitTest(node, createdAt)];
        }
      }),
    ],
  ];
}

/**
 * `parent_map` and `child_map` over nodes, sources, unit tests and exposures, as dbt builds them: every id is a
 * key of both, children in the order their parents were found.
 */
function graphMaps(manifest: Manifest): [string, unknown][] {
  // Maps, not objects keyed by 10,000 ids: V8 keeps such objects as slow dictionaries.
  const parents = new Map<string, readonly string[]>();
  const children = new Map<string, string[]>();
  for (const id of Object.keys(manifest.sources)) {
    parents.set(id, []);
    children.set(id, []);
  }
  const ids = Object.keys(manifest.nodes);
  for (const id of ids) {
    parents.set(id, manifest.nodes[id]!.dependsOn.nodes);
    if (!children.has(id)) children.set(id, []);
  }
  for (const id of ids) {
    for (const parent of manifest.nodes[id]!.dependsOn.nodes) {
      const list = children.get(parent);
      if (list) list.push(id);
      else children.set(parent, [id]);
    }
  }
  for (const exposure of Object.values(manifest.exposures ?? {})) {
    parents.set(exposure.id, exposure.dependsOn.nodes);
    children.set(exposure.id, []);
    for (const parent of exposure.dependsOn.nodes) children.get(parent)?.push(exposure.id);
  }
  return [
    ['parent_map', new StreamedObject(() => parents)],
    ['child_map', new StreamedObject(() => children)],
  ];
}

/** The metadata block dbt writes at the top of every artifact. */
export function dbtMetadata(context: ArtifactContext, schema: string, manifest: boolean): Record<string, unknown> {
  const common = {
    dbt_schema_version: schema,
    dbt_version: DBT_VERSION,
    generated_at: context.generatedAt,
    invocation_id: context.invocationId,
    invocation_started_at: null,
    env: {},
  };
  if (!manifest) return common;
  return {
    ...common,
    project_name: context.projectName,
    // dbt's project_id: the md5 of the project name.
    project_id: digest('md5', context.projectName, 'hex'),
    user_id: null,
    send_anonymous_usage_stats: false,
    adapter_type: context.adapterType,
    quoting: { database: true, schema: true, identifier: true, column: null },
  };
}
