import type { Dag } from '../graph/dag.js';
import type { AnyNode, Manifest, ManifestNode, NodeId } from '../manifest/types.js';
import { withTestBatches } from './test-batches.js';

export type Command = 'build' | 'run' | 'seed' | 'snapshot' | 'test';

/** One unit of work, plain data. `run`, `ls` and the dry run all read the same steps. */
export type Step =
  | { kind: 'seed'; id: NodeId; after: NodeId[] }
  | { kind: 'materialize'; id: NodeId; after: NodeId[] }
  /** A snapshot: adds the new versions of its query's rows to its history table, in one transaction. */
  | { kind: 'snapshot'; id: NodeId; after: NodeId[] }
  /** `batch`: the tests answered by one query on their model with this one (plan/test-batches.ts). */
  | { kind: 'test'; id: NodeId; after: NodeId[]; batch?: NodeId[] }
  /** A unit test: runs before its model (in `build`, the model waits for it), after its model's parents. */
  | { kind: 'unit'; id: NodeId; after: NodeId[] };

/** A relation the plan reads but does not build: it must exist before anything runs. */
export interface UpstreamRelation {
  id: NodeId;
  schema: string;
  identifier: string;
}

export interface Plan {
  command: Command;
  /** In dependency order; `after` lists the steps (of this plan) a step waits for. */
  steps: Step[];
  upstream: UpstreamRelation[];
}

const KINDS: Record<Command, ReadonlySet<ManifestNode['resourceType']>> = {
  build: new Set(['seed', 'model', 'snapshot', 'test', 'unit_test']),
  run: new Set(['model']),
  seed: new Set(['seed']),
  snapshot: new Set(['snapshot']),
  test: new Set(['test', 'unit_test']),
};

/**
 * Turns a selection into steps. Ephemeral models are not steps (they are inlined). In `build`, a
 * model's tests gate its children: a child waits for the tests of its parent, so a failing test skips it.
 * Unit tests wait for the steps that build their model's parents (their literal rows take those
 * relations' column types; they add no upstream relation to check), and in `build` their model waits for
 * them: a failing unit test skips the model and its descendants.
 *
 * @example buildPlan(manifest, dag, selection.ids, 'build').steps.map((s) => s.kind)  // ['seed', 'materialize', 'test', ...]
 */
export function buildPlan(manifest: Manifest, dag: Dag, selected: readonly NodeId[], command: Command): Plan {
  const kinds = KINDS[command];
  const chosen = selected.filter((id) => {
    const node = manifest.nodes[id];
    return node && kinds.has(node.resourceType) && node.config.materialized !== 'ephemeral';
  });
  const inPlan = new Set<NodeId>(chosen);

  /** The nearest ancestors of `id` that are steps, looking through nodes that are not. */
  const nearestSteps = (id: NodeId): NodeId[] => {
    const found = new Set<NodeId>();
    const seen = new Set<NodeId>();
    const stack = [...dag.parents(id)];
    while (stack.length > 0) {
      const parent = stack.pop()!;
      if (seen.has(parent)) continue;
      seen.add(parent);
      if (inPlan.has(parent)) found.add(parent);
      else stack.push(...dag.parents(parent));
    }
    return [...found];
  };

  // A unit test's inputs are literal rows, typed by the columns of the relations they stand for when
  // those exist: it waits for the steps that build its model's parents, so the types it reads do not
  // depend on which thread got there first (it never waits for its model, which waits for it).
  const unitWaits = (id: NodeId) => {
    const model = manifest.nodes[id].unitTest?.model;
    return model ? nearestSteps(model).filter((step) => step !== id) : [];
  };
  const after = new Map<NodeId, Set<NodeId>>(
    chosen.map((id) => [id, new Set(manifest.nodes[id].resourceType === 'unit_test' ? unitWaits(id) : nearestSteps(id))]),
  );

  if (command === 'build') {
    for (const id of chosen) {
      const test = manifest.nodes[id];
      const attached = test.resourceType === 'test' ? test.test?.attachedNode : undefined;
      if (!attached) continue;
      const testParents = new Set(test.dependsOn.nodes);
      for (const child of dag.children(attached)) {
        if (child === id || testParents.has(child) || !inPlan.has(child)) continue;
        const childType = manifest.nodes[child]?.resourceType;
        if (childType === 'test' || childType === 'unit_test') continue;
        after.get(child)!.add(id);
      }
    }
    // A model waits for its unit tests: a failing one skips the model and what depends on it.
    for (const id of chosen) {
      const model = manifest.nodes[id].unitTest?.model;
      if (model && inPlan.has(model)) after.get(model)!.add(id);
    }
  }

  const upstream = new Map<NodeId, UpstreamRelation>();
  const addUpstream = (id: NodeId, seen: Set<NodeId>) => {
    if (seen.has(id) || inPlan.has(id)) return;
    seen.add(id);
    const node: AnyNode | undefined = (manifest.nodes[id] as ManifestNode | undefined) ?? manifest.sources[id];
    if (!node) return;
    if (node.resourceType === 'source') {
      if (node.loadedBy && inPlan.has(node.loadedBy)) return;
      upstream.set(id, { id, schema: node.schema, identifier: node.identifier });
    } else if (node.config.materialized === 'ephemeral') {
      for (const parent of dag.parents(id)) addUpstream(parent, seen);
    } else if (node.resourceType !== 'test') {
      upstream.set(id, { id, schema: node.schema, identifier: node.alias });
    }
  };
  for (const id of chosen) {
    const node = manifest.nodes[id];
    if (node.resourceType === 'unit_test') continue;
    const orderOnly = node.dependsOn.orderOnly;
    for (const parent of dag.parents(id)) if (!orderOnly?.includes(parent)) addUpstream(parent, new Set());
  }

  const steps: Step[] = chosen.map((id) => {
    const type = manifest.nodes[id].resourceType;
    const kind = type === 'seed' ? 'seed' : type === 'snapshot' ? 'snapshot' : type === 'test' ? 'test' : type === 'unit_test' ? 'unit' : 'materialize';
    return { kind, id, after: [...after.get(id)!] } as Step;
  });
  return { command, steps: orderSteps(withTestBatches(manifest, steps)), upstream: [...upstream.values()] };
}

/** Keeps the given order but makes sure each step comes after everything in its `after`. */
function orderSteps(steps: Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const done = new Set<NodeId>();
  const ordered: Step[] = [];
  const visit = (step: Step) => {
    if (done.has(step.id)) return;
    done.add(step.id);
    for (const dep of step.after) {
      const other = byId.get(dep);
      if (other) visit(other);
    }
    ordered.push(step);
  };
  for (const step of steps) visit(step);
  return ordered;
}
