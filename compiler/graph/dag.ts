/**
 * The dependency graph of a manifest: vertices are nodes and sources, edges run parent → child.
 *
 * Stored as compressed adjacency arrays (CSR: an offsets array and one flat list of vertex numbers per
 * direction), not in graphlib: at 10,000 models graphlib's `setEdge` alone took 250–900 ms on these
 * 2-core machines (it keeps dictionary objects per vertex and per edge key), against a budget of well
 * under 100 ms for build + cycle check + sort. The walks and the sort are iterative, so a deep chain
 * cannot overflow the stack, and every order is deterministic. Other stages see only this class.
 */
import { StrataError } from '../diagnostics/strata-error.js';
import type { AnyNode, Exposure, Manifest, NodeId } from '../manifest/types.js';

/** A vertex: a node, a source, or an exposure (parents only, never run). */
export type GraphNode = AnyNode | Exposure;

/** A `dependsOn` entry naming an id that is neither a node nor a source of the manifest. */
export interface UnknownDependency {
  node: NodeId;
  dependsOn: NodeId;
}

export class Dag {
  /** Vertex i: its id, node, parents and children (as vertex numbers). */
  private readonly ids: NodeId[];
  private readonly items: GraphNode[];
  private readonly parentsOf: Adjacency;
  private readonly childrenOf: Adjacency;
  private readonly indexOf: Map<string, number>;
  private readonly unknown: UnknownDependency[];
  /** Position of each vertex in the deterministic topological order, computed on first use. */
  private orderPosition: Int32Array | undefined;
  private order: NodeId[] | undefined;

  private constructor(items: GraphNode[], ids: NodeId[], indexOf: Map<string, number>, parentsOf: Adjacency, unknown: UnknownDependency[]) {
    this.items = items;
    this.ids = ids;
    this.indexOf = indexOf;
    this.parentsOf = parentsOf;
    this.childrenOf = reverse(parentsOf);
    this.unknown = unknown;
  }

  /**
   * A vertex per node, source and exposure; an edge parent → child for each `dependsOn.nodes` entry.
   * Entries naming ids missing from the manifest get no edge (render reports unknown refs); they are
   * listed by `unknownDependencies()`.
   *
   * @example
   *   const dag = Dag.fromManifest(manifest);
   *   dag.assertAcyclic();
   *   dag.children(nodeId('model.pagila.stg_customer')); // ['model.pagila.dim_customer', ...]
   */
  static fromManifest(manifest: Manifest): Dag {
    const items: GraphNode[] = [...Object.values(manifest.sources), ...Object.values(manifest.nodes)];
    if (manifest.exposures) items.push(...Object.values(manifest.exposures));
    const count = items.length;
    const ids: NodeId[] = new Array(count);
    const indexOf = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      ids[i] = items[i]!.id;
      indexOf.set(ids[i]!, i);
    }
    const start = new Int32Array(count + 1);
    const parents: number[] = [];
    const unknown: UnknownDependency[] = [];
    for (let child = 0; child < count; child++) {
      const item = items[child]!;
      const first = parents.length;
      if (item.resourceType !== 'source') {
        for (const parentId of item.dependsOn.nodes) {
          const parent = indexOf.get(parentId);
          if (parent === undefined) unknown.push({ node: item.id, dependsOn: parentId });
          else if (parents.indexOf(parent, first) < 0) parents.push(parent);
        }
      }
      start[child + 1] = parents.length;
    }
    return new Dag(items, ids, indexOf, { start, list: Int32Array.from(parents) }, unknown);
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: string): id is NodeId {
    return this.indexOf.has(id);
  }

  /** The manifest node, source or exposure behind a vertex. */
  node(id: NodeId): GraphNode | undefined {
    const index = this.indexOf.get(id);
    return index === undefined ? undefined : this.items[index];
  }

  /** Every vertex id, sorted. */
  nodes(): NodeId[] {
    return [...this.ids].sort(compareIds);
  }

  unknownDependencies(): readonly UnknownDependency[] {
    return this.unknown;
  }

  /** Direct parents (what `id` depends on), sorted; empty for an unknown id. */
  parents(id: NodeId): NodeId[] {
    return this.neighbours(id, this.parentsOf);
  }

  /** Direct children (what depends on `id`), sorted; empty for an unknown id. */
  children(id: NodeId): NodeId[] {
    return this.neighbours(id, this.childrenOf);
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

  /**
   * `ancestors` (`up`) or `descendants` (`down`) of several starting points at once, in one
   * breadth-first walk; unknown ids are ignored.
   */
  walk(start: Iterable<NodeId>, direction: 'up' | 'down', depth?: number): Set<NodeId> {
    const { start: from, list } = direction === 'up' ? this.parentsOf : this.childrenOf;
    const seen = new Uint8Array(this.ids.length);
    const found = new Set<NodeId>();
    let frontier: number[] = [];
    for (const id of start) {
      const index = this.indexOf.get(id);
      if (index !== undefined) frontier.push(index);
    }
    const limit = depth ?? Number.POSITIVE_INFINITY;
    for (let level = 0; level < limit && frontier.length > 0; level++) {
      const following: number[] = [];
      for (const vertex of frontier) {
        for (let k = from[vertex]!, end = from[vertex + 1]!; k < end; k++) {
          const other = list[k]!;
          if (seen[other]) continue;
          seen[other] = 1;
          found.add(this.ids[other]!);
          following.push(other);
        }
      }
      frontier = following;
    }
    return found;
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
    const position = this.orderPosition!;
    const wanted: number[] = [];
    for (const id of new Set(ids)) {
      const index = this.indexOf.get(id);
      if (index !== undefined) wanted.push(index);
    }
    return wanted.sort((a, b) => position[a]! - position[b]!).map((index) => this.ids[index]!);
  }

  /**
   * Throws `STR301` naming every node of one cycle with its file, starting from the cycle's smallest id
   * and following edges parent → child:
   * `dependency cycle: model.p.a (models/a.sql) → model.p.b (models/b.sql) → model.p.a (models/a.sql)`.
   */
  assertAcyclic(): void {
    this.fullOrder();
  }

  /** Kahn's algorithm; the "ready" vertices wait in a heap keyed by the rank of their id. */
  private fullOrder(): NodeId[] {
    if (this.order) return this.order;
    const count = this.ids.length;
    const rank = new Int32Array(count);
    const byId = Array.from({ length: count }, (_, i) => i).sort((a, b) => compareIds(this.ids[a]!, this.ids[b]!));
    byId.forEach((vertex, i) => (rank[vertex] = i));

    const waiting = new Int32Array(count);
    const ready = new RankHeap(rank);
    const parentStart = this.parentsOf.start;
    const { start: childStart, list: children } = this.childrenOf;
    for (let vertex = 0; vertex < count; vertex++) {
      waiting[vertex] = parentStart[vertex + 1]! - parentStart[vertex]!;
      if (waiting[vertex] === 0) ready.push(vertex);
    }
    const order: NodeId[] = [];
    const position = new Int32Array(count);
    while (ready.size > 0) {
      const vertex = ready.pop();
      position[vertex] = order.length;
      order.push(this.ids[vertex]!);
      for (let k = childStart[vertex]!, end = childStart[vertex + 1]!; k < end; k++) {
        const child = children[k]!;
        if (--waiting[child]! === 0) ready.push(child);
      }
    }
    if (order.length < count) {
      const stuck = byId.filter((vertex) => waiting[vertex]! > 0);
      throw this.cycleError(this.findCycle(stuck, waiting));
    }
    this.order = order;
    this.orderPosition = position;
    return order;
  }

  /**
   * One cycle among the vertices Kahn's algorithm could not place (`stuck`, sorted by id: each lies on
   * a cycle or downstream of one). Walking parent-wards from any of them must revisit a vertex, since
   * every stuck vertex has a stuck parent; the revisited stretch is a cycle.
   */
  private findCycle(stuck: number[], waiting: Int32Array): NodeId[] {
    const step = new Map<number, number>();
    const path: number[] = [];
    let current = stuck[0]!;
    while (!step.has(current)) {
      step.set(current, path.length);
      path.push(current);
      const parents = neighbourList(this.parentsOf, current).filter((parent) => waiting[parent]! > 0);
      current = parents.sort((a, b) => compareIds(this.ids[a]!, this.ids[b]!))[0]!;
    }
    // path walks child → parent; reverse it to read parent → child, then start at the smallest id.
    const cycle = path.slice(step.get(current)).reverse().map((vertex) => this.ids[vertex]!);
    const first = cycle.indexOf([...cycle].sort(compareIds)[0]!);
    return [...cycle.slice(first), ...cycle.slice(0, first)];
  }

  private cycleError(cycle: NodeId[]): StrataError {
    const label = (id: NodeId): string => {
      const path = this.node(id)?.path;
      return path ? `${id} (${path})` : id;
    };
    const first = cycle[0]!;
    return new StrataError({
      code: 'STR301',
      message: `dependency cycle: ${[...cycle, first].map(label).join(' → ')}`,
      file: this.node(first)?.path,
      hint: 'a model cannot depend on itself, directly or through other models; remove one ref of the cycle',
    });
  }

  private neighbours(id: NodeId, adjacency: Adjacency): NodeId[] {
    const index = this.indexOf.get(id);
    if (index === undefined) return [];
    return neighbourList(adjacency, index).map((vertex) => this.ids[vertex]!).sort(compareIds);
  }
}

/** Vertex v's neighbours are `list[start[v]]` up to (excluding) `list[start[v + 1]]`. */
interface Adjacency {
  start: Int32Array;
  list: Int32Array;
}

function neighbourList({ start, list }: Adjacency, vertex: number): number[] {
  return Array.from(list.subarray(start[vertex]!, start[vertex + 1]!));
}

/** The same edges, pointing the other way (parents → children), by a counting sort. */
function reverse({ start, list }: Adjacency): Adjacency {
  const count = start.length - 1;
  const reversedStart = new Int32Array(count + 1);
  for (let k = 0; k < list.length; k++) reversedStart[list[k]! + 1]!++;
  for (let v = 0; v < count; v++) reversedStart[v + 1]! += reversedStart[v]!;
  const cursor = reversedStart.slice(0, count);
  const reversedList = new Int32Array(list.length);
  for (let v = 0; v < count; v++) {
    for (let k = start[v]!, end = start[v + 1]!; k < end; k++) reversedList[cursor[list[k]!]!++] = v;
  }
  return { start: reversedStart, list: reversedList };
}

/** Code-unit order, the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary heap of vertex numbers, lowest rank first: the "ready" set of the topological sort. */
class RankHeap {
  private readonly items: number[] = [];

  constructor(private readonly rank: Int32Array) {}

  get size(): number {
    return this.items.length;
  }

  push(vertex: number): void {
    const { items, rank } = this;
    let i = items.push(vertex) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (rank[items[parent]!]! <= rank[vertex]!) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = vertex;
  }

  pop(): number {
    const { items, rank } = this;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const smaller = right < items.length && rank[items[right]!]! < rank[items[left]!]! ? right : left;
      if (rank[items[smaller]!]! >= rank[last]!) break;
      items[i] = items[smaller]!;
      i = smaller;
    }
    items[i] = last;
    return top;
  }
}
