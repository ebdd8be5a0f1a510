import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { isTestNode, type ManifestNode, type NodeId, type SourcePosition, type SourceTable } from '../manifest/types.js';
import { RefResolver } from './ref-resolver.js';

export function resolveDependencies(
  projectName: string,
  nodes: Map<NodeId, ManifestNode>,
  sources: Map<NodeId, SourceTable>,
  unavailable: Set<string>,
  problems: Diagnostic[],
): void {
  const seen = new Map<string, ManifestNode>();
  for (const node of nodes.values()) {
    if (isTestNode(node)) continue;
    const key = `${node.packageName}.${node.name}`;
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
  const packages = new Set([projectName, ...[...nodes.values()].map((n) => n.packageName)]);
  const sourceNames = [...sources.values()].map((s) => `${s.sourceName}.${s.name}`);
  for (const node of nodes.values()) {
    const deps = new Set<NodeId>();
    // A generic test's SQL is generated: report its problems at its YAML entry.
    const at = (position: SourcePosition | undefined) => node.test?.position ?? position ?? { file: node.path };
    const read = new Set<NodeId>();
    const commented = new Set<NodeId>();
    for (const ref of node.refs) {
      const target = resolver.ref(ref, node.packageName);
      if (target) (ref.commentOnly ? commented : read).add(target.id);
      if (ref.package && !packages.has(ref.package)) {
        problems.push({
          code: 'STR206',
          message: `ref to unknown package '${ref.package}'`,
          ...at(ref.position),
          hint: `this project is '${projectName}'; a package must be in packages.yml and installed: run strata deps`,
        });
      } else if (!target) {
        if (unavailable.has(ref.name)) continue;
        const where = ref.package ? ` in package '${ref.package}'` : '';
        problems.push(unknownReference('STR205', `ref '${ref.name}'${where}`, at(ref.position), didYouMean(ref.name, resolver.names()), 'no model or seed has that name'));
      } else {
        deps.add(target.id);
      }
    }
    for (const call of node.sources) {
      const source = resolver.source(call.source, call.table, node.packageName);
      if (!source) {
        const name = `${call.source}.${call.table}`;
        const hint = 'declare it under sources: in a schema YAML file';
        problems.push(unknownReference('STR207', `source '${name}'`, at(call.position), didYouMean(name, sourceNames), hint));
      } else {
        deps.add(source.id);
      }
    }
    // `-- depends_on: {{ ref('x') }}` and refs inside macros count too; a node never depends on itself.
    deps.delete(node.id);
    node.dependsOn.nodes = [...deps];
    const orderOnly = [...commented].filter((id) => !read.has(id) && id !== node.id);
    if (orderOnly.length > 0) node.dependsOn.orderOnly = orderOnly;
  }
}

function unknownReference(code: string, what: string, place: Omit<Diagnostic, 'code' | 'message'>, guess: string | undefined, fallback: string): Diagnostic {
  return { code, message: `unknown ${what}`, ...place, hint: guess ? `did you mean '${guess}'?` : fallback };
}

