import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { isTestNode, isUnrefable, type ManifestNode, type NodeId, type SourcePosition, type SourceTable } from '../manifest/types.js';
import { RefResolver } from './ref-resolver.js';

/**
 * Fills each node's `dependsOn.nodes` from its refs and sources (one resolver, dbt's package rules),
 * reporting unknown refs, sources and packages, and names that are two resource types in one package.
 * Runs once per node of a 10,000-model project: no allocation per node beyond its dependency list.
 */
export function resolveDependencies(
  projectName: string,
  nodes: Map<NodeId, ManifestNode>,
  sources: Map<NodeId, SourceTable>,
  unavailable: Set<string>,
  problems: Diagnostic[],
  /** Of `unavailable`, the nodes disabled by config (the others failed to parse and were reported). */
  switchedOff: Set<string> = new Set(),
): void {
  const packages = new Set<string>([projectName]);
  const seen = new Map<string, ManifestNode>();
  for (const node of nodes.values()) {
    packages.add(node.packageName);
    if (isUnrefable(node)) continue;
    let key = node.packageName === projectName ? node.name : `${node.packageName}.${node.name}`;
    if (node.version !== undefined) key += `.v${String(node.version)}`;
    const other = seen.get(key);
    if (other) {
      problems.push({
        code: 'STR122',
        message: `'${node.name}' is both a ${other.resourceType} and a ${node.resourceType}`,
        file: node.path,
        hint: `ref('${node.name}') would be ambiguous: rename ${other.path} or ${node.path}`,
      });
    }
    seen.set(key, node);
  }
  const resolver = new RefResolver(projectName, nodes.values(), sources.values());
  let sourceNames: string[] | undefined;
  for (const node of nodes.values()) {
    const deps: NodeId[] = [];
    const add = (id: NodeId) => {
      if (id !== node.id && !deps.includes(id)) deps.push(id);
    };
    // A generic test's SQL is generated: report its problems at its YAML entry.
    const at = (position: SourcePosition | undefined) => node.test?.position ?? position ?? { file: node.path };
    let commented: NodeId[] | undefined;
    let read: NodeId[] | undefined;
    for (const ref of node.refs) {
      const target = resolver.ref(ref, node.packageName);
      if (target && ref.commentOnly) (commented ??= []).push(target.id);
      else if (target) (read ??= []).push(target.id);
      if (ref.package && !packages.has(ref.package)) {
        problems.push({
          code: 'STR206',
          message: `ref to unknown package '${ref.package}'`,
          ...at(ref.position),
          hint: `this project is '${projectName}'; a package must be in packages.yml and installed: run strata deps`,
        });
      } else if (!target) {
        // A test of a disabled node is left out with it, as in dbt; anything else reading one is an error.
        if (switchedOff.has(ref.name) && !isTestNode(node)) {
          problems.push({
            code: 'STR208',
            message: `ref to '${ref.name}', which is disabled (enabled: false)`,
            ...at(ref.position),
            hint: `enable '${ref.name}', or disable this ${node.resourceType} too`,
          });
          continue;
        }
        if (unavailable.has(ref.name)) continue;
        if (ref.version !== undefined && resolver.ref({ package: ref.package, name: ref.name }, node.packageName)) {
          const versions = resolver.versionsOf(ref.name);
          problems.push({
            code: 'STR251',
            message: versions.length > 0 ? `ref to version ${ref.version} of '${ref.name}', which has versions ${versions.join(', ')}` : `ref to version ${ref.version} of '${ref.name}', which has no versions`,
            ...at(ref.position),
            hint: versions.length > 0 ? `pin one of them (ref('${ref.name}', v=${versions[versions.length - 1]})), or leave v out for the latest` : `leave v out, or declare versions: for '${ref.name}' in YAML`,
          });
          continue;
        }
        const where = ref.package ? ` in package '${ref.package}'` : '';
        problems.push(unknownReference('STR205', `ref '${ref.name}'${where}`, at(ref.position), didYouMean(ref.name, resolver.names()), 'no model or seed has that name'));
      } else {
        add(target.id);
      }
    }
    for (const call of node.sources) {
      const source = resolver.source(call.source, call.table, node.packageName);
      if (!source) {
        const name = `${call.source}.${call.table}`;
        const hint = 'declare it under sources: in a schema YAML file';
        sourceNames ??= [...sources.values()].map((s) => `${s.sourceName}.${s.name}`);
        problems.push(unknownReference('STR207', `source '${name}'`, at(call.position), didYouMean(name, sourceNames), hint));
      } else {
        add(source.id);
      }
    }
    // `-- depends_on: {{ ref('x') }}` and refs inside macros count too; a node never depends on itself.
    node.dependsOn.nodes = deps;
    if (commented) {
      const orderOnly = commented.filter((id) => !read?.includes(id) && id !== node.id);
      if (orderOnly.length > 0) node.dependsOn.orderOnly = orderOnly;
    }
  }
}

function unknownReference(code: string, what: string, place: Omit<Diagnostic, 'code' | 'message'>, guess: string | undefined, fallback: string): Diagnostic {
  return { code, message: `unknown ${what}`, ...place, hint: guess ? `did you mean '${guess}'?` : fallback };
}

