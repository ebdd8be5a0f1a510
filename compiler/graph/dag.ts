/**
 * The dependency graph of a manifest. The only module that imports graphlib: it stores the vertices and
 * edges; the walks and the sort are written here, iteratively, so that a 10,000-model chain cannot
 * overflow the stack (graphlib's own `topsort` and `tarjan` recurse) and so that every order is
 * deterministic.
 */
import { Graph } from '@dagrejs/graphlib';
import { StrataError } from '../diagnostics/strata-error.js';
import type { AnyNode, Manifest, NodeId } from '../manifest/types.js';

/** A `dependsOn` entry naming an id that is neither a node nor a source of the manifest. */
export interface UnknownDependency {
  node: NodeId;
  dependsOn: NodeId;
}

export class Dag {
  private readonly graph: Graph<undefined, AnyNode, undefined>;
  private readonly unknown: UnknownDependency[];
  /** Position of each vertex in the deterministic topological order, computed on first use. */
  private orderIndex: Map<string, number> | undefined;
  private order: NodeId[] | undefined;

  private constructor(graph: Graph<undefined, AnyNode, undefined>, unknown: UnknownDependency[]) {
    this.graph = graph;
    this.unknown = unknown;
  }

  /**
   * A vertex per node and per source; an edge parent → child for each `dependsOn.nodes` entry.
   * Entries naming ids missing from the manifest get no edge (render reports unknown refs); they are
   * listed by `unknownDependencies()`.
   *
   * @example
   *   const dag = Dag.fromManifest(manifest);
   *   dag.assertAcyclic();
   *   dag.children(nodeId('model.pagila.stg_customer')); // ['model.pagila.dim_customer', ...]
   */
  static fromManifest(manifest: Manifest): Dag {
    const graph = new Graph<undefined, AnyNode, undefined>({ directed: true, multigraph: false });
    for (const source of Object.values(manifest.sources)) graph.setNode(source.id, source);
    for (const node of Object.values(manifest.nodes)) graph.setNode(node.id, node);
    const unknown: UnknownDependency[] = [];
    for (const node of Object.values(manifest.nodes)) {
      for (const parent of node.dependsOn.nodes) {
        if (graph.hasNode(parent)) graph.setEdge(parent, node.id);
        else unknown.push({ node: node.id, dependsOn: parent });
      }
    }
    return new Dag(graph, unknown);
  }

  get size(): number {
    return this.graph.nodeCount();
  }

  has(id: string): id is NodeId {
    return this.graph.hasNode(id);
  }

  /** The manifest node or source behind a vertex. */
  node(id: NodeId): AnyNode | undefined {
    return this.graph.node(id);
  }

  /** Every vertex id, sorted. */
  nodes(): NodeId[] {
    return (this.graph.nodes() as NodeId[]).sort(compareIds);
  }

  unknownDependencies(): readonly UnknownDependency[] {
    return this.unknown;
  }

  /** Direct parents (what `id` depends on), sorted; empty for an unknown id. */
  parents(id: NodeId): NodeId[] {
    return ((this.graph.predecessors(id) ?? []) as NodeId[]).sort(compareIds);
  }

  /** Direct children (what depends on `id`), sorted; empty for an unknown id. */
  children(id: NodeId): NodeId[] {
    return ((this.graph.successors(id) ?? []) as NodeId[]).sort(compareIds);
  }

  /**
   * Every node `id` depends on, directly or not, up to `depth` edges away (all when omitted). Excludes
   * `id` itself unless it lies on a cycle.
   */
  ancestors(id: NodeId, depth?: number): Set<NodeId> {
    return this.walk([id], 'up', depth);
  }

  /** Every node depending on `id`, directly or not, up to `depth` edges away (all when omitted). */
  descendants(id: NodeId, depth?: number): Set<NodeId> {
    return this.walk([id], 'down', depth);
  }

  /** `ancestors`/`descendants` of several starting points at once, in one breadth-first walk. */
  walk(start: Iterable<NodeId>, direction: 'up' | 'down', depth?: number): Set<NodeId> {
    const next = direction === 'up' ? this.predecessorsOf : this.successorsOf;
    const seen = new Set<NodeId>();
    let frontier = [...start].filter((id) => this.graph.hasNode(id));
    const limit = depth ?? Number.POSITIVE_INFINITY;
    for (let level = 0; level < limit && frontier.length > 0; level++) {
      const following: NodeId[] = [];
      for (const id of frontier) {
        for (const other of next(id)) {
          if (seen.has(other)) continue;
          seen.add(other);
          following.push(other);
        }
      }
      frontier = following;
    }
    return seen;
  }

  /**
   * Ids in dependency order, parents first. Among nodes whose parents are all placed, the smallest id
   * comes first, so the order depends only on the graph. With `ids`, only those (known) ids are returned,
   * in the same relative order as the whole graph's. Throws `STR301` if the graph has a cycle.
   *
   * @example
   *   dag.topologicalOrder(); // ['source.p.raw.a', 'model.p.stg_a', 'model.p.dim_a', ...]
   *   dag.topologicalOrder([dimA, stgA]); // [stgA, dimA]
   */
  topologicalOrder(ids?: Iterable<NodeId>): NodeId[] {
    const order = this.fullOrder();
    if (ids === undefined) return [...order];
    const index = this.orderIndex!;
    const wanted = [...new Set(ids)].filter((id) => index.has(id));
    return wanted.sort((a, b) => index.get(a)! - index.get(b)!);
  }

  /**
   * Throws `STR301` naming every node of one cycle with its file, starting from the cycle's smallest id
   * and following edges parent → child:
   * `dependency cycle: model.p.a (models/a.sql) → model.p.b (models/b.sql) → model.p.a (models/a.sql)`.
   */
  assertAcyclic(): void {
    this.fullOrder();
  }

  private fullOrder(): NodeId[] {
    if (this.order) return this.order;
    const ids = this.graph.nodes() as NodeId[];
    const waiting = new Map<NodeId, number>();
    const ready = new MinHeap();
    for (const id of ids) {
      const count = this.predecessorsOf(id).length;
      waiting.set(id, count);
      if (count === 0) ready.push(id);
    }
    const order: NodeId[] = [];
    while (ready.size > 0) {
      const id = ready.pop();
      order.push(id);
      for (const child of this.successorsOf(id)) {
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left === 0) ready.push(child);
      }
    }
    if (order.length < ids.length) {
      const stuck = ids.filter((id) => waiting.get(id)! > 0);
      throw this.cycleError(this.findCycle(new Set(stuck)));
    }
    this.order = order;
    this.orderIndex = new Map(order.map((id, i) => [id, i]));
    return order;
  }

  /**
   * One cycle among `stuck` (the vertices Kahn's algorithm could not place: each is on a cycle or
   * downstream of one). Walking parent-wards from any of them must revisit a vertex, because every
   * stuck vertex has a stuck parent; the revisited stretch is a cycle.
   */
  private findCycle(stuck: Set<NodeId>): NodeId[] {
    const start = [...stuck].sort(compareIds)[0]!;
    const position = new Map<NodeId, number>();
    const path: NodeId[] = [];
    let current = start;
    while (!position.has(current)) {
      position.set(current, path.length);
      path.push(current);
      current = this.parents(current).find((parent) => stuck.has(parent))!;
    }
    // path walks child → parent; reverse it to read parent → child, then start at the smallest id.
    const cycle = path.slice(position.get(current)).reverse();
    const first = cycle.indexOf([...cycle].sort(compareIds)[0]!);
    return [...cycle.slice(first), ...cycle.slice(0, first)];
  }

  private cycleError(cycle: NodeId[]): StrataError {
    const label = (id: NodeId): string => {
      const path = this.graph.node(id)?.path;
      return path ? `${id} (${path})` : id;
    };
    const first = cycle[0]!;
    return new StrataError({
      code: 'STR301',
      message: `dependency cycle: ${[...cycle, first].map(label).join(' → ')}`,
      file: this.graph.node(first)?.path,
      hint: 'a model cannot depend on itself, directly or through other models; remove one ref of the cycle',
    });
  }

  private readonly predecessorsOf = (id: NodeId): NodeId[] => (this.graph.predecessors(id) ?? []) as NodeId[];
  private readonly successorsOf = (id: NodeId): NodeId[] => (this.graph.successors(id) ?? []) as NodeId[];
}

/** Code-unit order, the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary heap of ids, smallest first: the "ready" set of the topological sort. */
class MinHeap {
  private readonly items: NodeId[] = [];

  get size(): number {
    return this.items.length;
  }

  push(id: NodeId): void {
    const items = this.items;
    let i = items.push(id) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= id) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = id;
  }

  pop(): NodeId {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const smaller = right < items.length && items[right]! < items[left]! ? right : left;
      if (items[smaller]! >= last) break;
      items[i] = items[smaller]!;
      i = smaller;
    }
    items[i] = last;
    return top;
  }
}
