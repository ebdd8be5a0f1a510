/**
 * dbt's groups and model access: `groups:` in YAML name owners; a node joins one with the `group`
 * config; a model's `access` is `private` (only its group may ref it), `protected` (the default: its
 * project and the projects that install it) or `public`. A ref to a private model from outside its group
 * is an error naming both nodes and both groups.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { isTestNode, type GroupInfo, type ManifestNode, type NodeId } from '../manifest/types.js';
import type { GroupDefinition } from '../project/schema-yaml.js';

const ACCESS = new Set(['private', 'protected', 'public']);

/** A package's `groups:` entries; two of one name are an error naming both files. */
export function groupInfos(packageName: string, definitions: readonly GroupDefinition[], into: Map<string, GroupInfo>, problems: Diagnostic[]): void {
  for (const group of definitions) {
    const other = into.get(group.name);
    if (other) {
      problems.push({ code: 'STR182', message: `two groups are named '${group.name}'`, file: group.file, line: group.line, column: group.column, hint: `the other is in ${other.path}` });
      continue;
    }
    into.set(group.name, { name: group.name, packageName, path: group.file, owner: group.owner, description: group.description, config: group.config });
  }
}

/**
 * Checks each node's `group` (it must be defined) and `access` (one of the three), then every ref to a
 * private model. Tests are exempt: they check a model, wherever it is. A ref to a model with a
 * `deprecation_date` is a warning (STR253), as dbt's DeprecatedReference. Costs one pass over the nodes
 * when no model is private or deprecated.
 */
export function checkAccess(
  nodes: Map<NodeId, ManifestNode>,
  groups: Map<string, GroupInfo>,
  problems: Diagnostic[],
  warn: (warning: Diagnostic) => void = () => {},
  now: Date = new Date(),
): void {
  let anyPrivate = false;
  let anyDeprecated = false;
  for (const node of nodes.values()) {
    if (node.deprecationDate !== undefined) anyDeprecated = true;
    const { group, access } = node.config;
    if (group !== undefined && group !== null && !groups.has(String(group))) {
      problems.push({
        code: 'STR182',
        message: `${node.resourceType} '${node.name}' is in group '${String(group)}', which no groups: entry defines`,
        file: node.patchPath ?? node.path,
        hint: groups.size > 0 ? `the groups are ${[...groups.keys()].join(', ')}` : 'define it under groups: in a schema YAML file, with an owner',
      });
    }
    if (access === undefined) continue;
    if (node.resourceType !== 'model' || !ACCESS.has(String(access))) {
      problems.push({
        code: 'STR183',
        message: node.resourceType === 'model' ? `model '${node.name}' has access '${String(access)}'` : `access is a model config; ${node.resourceType} '${node.name}' sets it`,
        file: node.patchPath ?? node.path,
        hint: 'use private, protected or public',
      });
    }
    if (access === 'private') anyPrivate = true;
  }
  if (!anyPrivate && !anyDeprecated) return;
  for (const node of nodes.values()) {
    if (isTestNode(node)) continue;
    for (const id of node.dependsOn.nodes) {
      const target = nodes.get(id);
      if (target?.deprecationDate !== undefined) warn(deprecatedReference(node, target, now));
      if (!target || target.config.access !== 'private') continue;
      if (node.config.group !== undefined && node.config.group === target.config.group) continue;
      const call = node.refs.find((ref) => ref.name === target.name);
      const from = node.config.group === undefined ? 'in no group' : `in group '${String(node.config.group)}'`;
      const to = target.config.group === undefined ? 'no group, so no node may ref it' : `group '${String(target.config.group)}'`;
      problems.push({
        code: 'STR252',
        message: `${node.resourceType} '${node.name}' (${from}) refs '${target.name}', which is private to ${to}`,
        file: node.path,
        ...(call?.position ? { line: call.position.line, column: call.position.column } : {}),
        hint: `make '${target.name}' protected or public, or put '${node.name}' in group '${String(target.config.group ?? '')}'`,
      });
    }
  }
}

/** `model 'a' refs 'm' (v1), deprecated since 2024-06-01` (or `which is to be deprecated on ...`). */
function deprecatedReference(node: ManifestNode, target: ManifestNode, now: Date): Diagnostic {
  const date = target.deprecationDate!;
  const past = !Number.isNaN(Date.parse(date)) && Date.parse(date) <= now.getTime();
  const version = target.version === undefined ? '' : ` (v${String(target.version)})`;
  const call = node.refs.find((ref) => ref.name === target.name);
  return {
    code: 'STR253',
    severity: 'warn',
    message: `${node.resourceType} '${node.name}' refs '${target.name}'${version}, ${past ? `deprecated since ${date}` : `which is to be deprecated on ${date}`}`,
    file: node.path,
    ...(call?.position ? { line: call.position.line, column: call.position.column } : {}),
    hint: target.latestVersion !== undefined && String(target.version) !== String(target.latestVersion) ? `ref the latest version (v${String(target.latestVersion)})` : `see ${target.patchPath ?? target.path}`,
  };
}
