import { isUnrefable, type ManifestNode, type RefCall, type SourceTable } from '../manifest/types.js';
import { splitKeywords } from './render-scope.js';

/**
 * The call `ref(...)` makes, from the template's arguments: `ref('m')`, `ref('pkg', 'm')`,
 * `ref('m', v=2)` or `ref('m', version=2)`.
 */
export function refCallOf(args: unknown[]): RefCall {
  const { positional, keywords } = splitKeywords(args);
  const names = positional.map(String);
  const call: RefCall = names.length >= 2 ? { package: names[0], name: names[1] } : { name: names[0] };
  const version = keywords.version ?? keywords.v;
  if (version !== undefined && version !== null) call.version = version as string | number;
  return call;
}

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
  /** name → nodes of that name, one per package (for a versioned model, its latest version). */
  private readonly byName = new Map<string, ManifestNode[]>();
  /** name → every version of the versioned models of that name (empty in most projects). */
  private readonly versions = new Map<string, ManifestNode[]>();
  private readonly sourcesByName = new Map<string, SourceTable[]>();

  constructor(
    private readonly rootName: string,
    nodes: Iterable<ManifestNode>,
    sources: Iterable<SourceTable> = [],
  ) {
    for (const node of nodes) {
      if (isUnrefable(node)) continue;
      if (node.version !== undefined) {
        const all = this.versions.get(node.name);
        if (all) all.push(node);
        else this.versions.set(node.name, [node]);
        if (String(node.version) !== String(node.latestVersion)) continue;
      }
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
  ref(call: { package?: string; name: string; version?: string | number }, fromPackage: string = this.rootName): ManifestNode | undefined {
    if (call.version !== undefined) return this.pinned(call, fromPackage);
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

  /** `ref('m', v=2)`: that version, from the package the unpinned ref would pick. */
  private pinned(call: { package?: string; name: string; version?: string | number }, fromPackage: string): ManifestNode | undefined {
    const latest = this.ref({ package: call.package, name: call.name }, fromPackage);
    const wanted = String(call.version);
    return this.versions.get(call.name)?.find((n) => n.packageName === latest?.packageName && String(n.version) === wanted);
  }

  /** The versions of the model a ref names (empty for a model without versions), for error messages. */
  versionsOf(name: string): (string | number)[] {
    return (this.versions.get(name) ?? []).map((n) => n.version!);
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
