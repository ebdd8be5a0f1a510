import { isTestNode, type ManifestNode, type SourceTable } from '../manifest/types.js';

/**
 * Answers `ref()` and `source()` for every pass, with dbt's package rules: `ref('pkg', 'm')` looks in
 * `pkg` only; `ref('m')` looks in the root project, then in the package of the node that calls it,
 * then in any package. Sources are looked up in the caller's package first, then anywhere.
 *
 * @example
 *   const resolver = new RefResolver(rootName, nodes, sources);
 *   resolver.ref({ name: 'stg_orders' }, 'model.jaffle.orders'.split('.')[1]);  // the ManifestNode
 */
export class RefResolver {
  /** name → nodes of that name, one per package. */
  private readonly byName = new Map<string, ManifestNode[]>();
  private readonly sourcesByName = new Map<string, SourceTable[]>();

  constructor(
    private readonly rootName: string,
    nodes: Iterable<ManifestNode>,
    sources: Iterable<SourceTable> = [],
  ) {
    for (const node of nodes) {
      if (isTestNode(node)) continue;
      const list = this.byName.get(node.name);
      if (list) list.push(node);
      else this.byName.set(node.name, [node]);
    }
    for (const source of sources) {
      const key = `${source.sourceName}.${source.name}`;
      const list = this.sourcesByName.get(key);
      if (list) list.push(source);
      else this.sourcesByName.set(key, [source]);
    }
  }

  /** The node `ref(package?, name)` means when called from a node of `fromPackage`. */
  ref(call: { package?: string; name: string }, fromPackage: string = this.rootName): ManifestNode | undefined {
    const candidates = this.byName.get(call.name);
    if (!candidates) return undefined;
    if (call.package === undefined && candidates.length === 1) return candidates[0];
    if (call.package !== undefined) return candidates.find((n) => n.packageName === call.package);
    return (
      candidates.find((n) => n.packageName === this.rootName) ??
      candidates.find((n) => n.packageName === fromPackage) ??
      candidates[0]
    );
  }

  /** The source table `source(sourceName, table)` means when called from a node of `fromPackage`. */
  source(sourceName: string, table: string, fromPackage: string = this.rootName): SourceTable | undefined {
    const candidates = this.sourcesByName.get(`${sourceName}.${table}`);
    if (!candidates) return undefined;
    return candidates.find((s) => s.packageName === fromPackage) ?? candidates[0];
  }

  /** Every name a ref can reach (for did-you-mean hints). */
  names(): Iterable<string> {
    return this.byName.keys();
  }

  /** The package names that have at least one node. */
  hasPackage(name: string): boolean {
    for (const list of this.byName.values()) if (list.some((n) => n.packageName === name)) return true;
    return name === this.rootName;
  }
}
