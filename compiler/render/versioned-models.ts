/**
 * dbt's model versions: a model with `versions:` in YAML is one node per version, each from its own
 * file (`<name>_v<v>.sql`, or `defined_in`), with id `model.<pkg>.<name>.v<v>`, fqn ending in
 * `<name>, v<v>`, and relation `<name>_v<v>` unless an alias is set. `ref('name')` reads the latest
 * version; `ref('name', v=2)` a pinned one (render/ref-resolver.ts).
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { nodeId, type ManifestNode, type NodeId } from '../manifest/types.js';
import type { NodeProperties, SchemaProperties } from '../project/schema-yaml.js';
import { versionKey } from '../project/schema-yaml.js';

/**
 * Turns the node parsed from a version's file into that version: the model's name, its id and fqn (and
 * gives a model its `deprecation_date`, versioned or not).
 *
 * @example asVersion(node of models/dim_customers_v2.sql, props)  // id 'model.shop.dim_customers.v2', name 'dim_customers'
 */
export function asVersion(node: ManifestNode, props: NodeProperties): ManifestNode {
  if (props.deprecationDate !== undefined) node.deprecationDate = props.deprecationDate;
  if (props.versionOf === undefined) return node;
  const v = versionKey(props.version!);
  node.name = props.versionOf!;
  node.id = nodeId(`model.${node.packageName}.${props.versionOf}.v${v}`);
  node.fqn = [...node.fqn.slice(0, -1), props.versionOf!, `v${v}`];
  node.version = props.version;
  node.latestVersion = props.latestVersion;
  return node;
}

/** dbt's default alias of a version: `dim_customers_v2` (`_v1_5` for 1.5). */
export function versionedAlias(node: ManifestNode): string {
  return `${node.name}_v${versionKey(node.version!).replace(/\./g, '_')}`;
}

/**
 * Each version needs its file, and a versioned model's name cannot also be a plain model: both are
 * errors at the YAML entry.
 */
export function checkVersionFiles(
  packageName: string,
  properties: SchemaProperties,
  modelFiles: readonly { path: string }[],
  nodes: Map<NodeId, ManifestNode>,
  problems: Diagnostic[],
): void {
  const fileNames = new Set(modelFiles.map((file) => file.path.slice(file.path.lastIndexOf('/') + 1).replace(/\.sql$/, '')));
  for (const model of properties.versioned.values()) {
    for (const version of model.versions) {
      if (fileNames.has(version.fileName)) continue;
      problems.push({
        code: 'STR180',
        message: `version ${version.v} of model '${model.name}' has no file ${version.fileName}.sql`,
        file: version.file,
        line: version.line,
        column: version.column,
        hint: `add ${version.fileName}.sql under the model paths, or name its file with defined_in:`,
      });
    }
    const plain = nodes.get(nodeId(`model.${packageName}.${model.name}`));
    if (plain) {
      problems.push({
        code: 'STR180',
        message: `${plain.path} is model '${model.name}', which has versions in ${model.file}`,
        file: model.file,
        line: model.line,
        column: model.column,
        hint: `make it one of the versions (defined_in: ${model.name}), or rename the file`,
      });
    }
  }
}
