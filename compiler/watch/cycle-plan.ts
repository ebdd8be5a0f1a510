/**
 * What one watch cycle reruns, as pure functions of what the loop remembers and the state the change set
 * produced: no files, no database, no events. The loop (watch-loop.ts) calls `planCycle` before each run
 * and `rememberRun` after it.
 */
import type { Fingerprint } from '../graph/state-fingerprint.js';
import type { NodeId } from '../manifest/types.js';
import type { CycleReason } from './watch-events.js';

/** What the loop knows from earlier cycles. Never mutated: each function returns the next one. */
export interface WatchMemory {
  /** Fingerprint of each node when it last ran (or was last seen, for nodes that never run). */
  readonly lastRun: ReadonlyMap<NodeId, Fingerprint>;
  /** Nodes that failed, errored or were skipped in their last run: key `f` reruns them. */
  readonly failed: ReadonlySet<NodeId>;
}

export const EMPTY_MEMORY: WatchMemory = { lastRun: new Map(), failed: new Set() };

/** The project as the change set left it: what the planner reads of the graph and the selection. */
export interface CycleState {
  fingerprints: ReadonlyMap<NodeId, Fingerprint>;
  /** The selection, in DAG order. */
  selection: readonly NodeId[];
  /** Whether a node is still in the manifest. */
  exists(id: NodeId): boolean;
  /** Every descendant of the given nodes. */
  descendants(ids: ReadonlySet<NodeId>): Iterable<NodeId>;
  /** The data tests and unit tests that check a node (its children that build nothing). */
  testsOf(id: NodeId): Iterable<NodeId>;
}

export interface CyclePlan {
  /** Nodes to run, in the selection's order. */
  ids: NodeId[];
  /** Nodes whose fingerprint differs from their last run, in the selection (what the cycle reports as changed). */
  changed: NodeId[];
  /** Nodes of earlier runs that are gone from the project. */
  removed: NodeId[];
  /** The memory without the removed nodes. */
  memory: WatchMemory;
}

/**
 * `start` and `all` (key `a`) run the whole selection; `failed` (key `f`) what failed last time; every
 * reason adds the nodes whose fingerprint changed since they last ran. Then their descendants, or with
 * `changedOnly` their tests only. Only nodes of the selection run.
 *
 * @example planCycle(memory, state, 'files', false).ids  // ['model.shop.stg_orders', 'test.shop.not_null_...', 'model.shop.fct_orders']
 */
export function planCycle(memory: WatchMemory, state: CycleState, reason: CycleReason, changedOnly: boolean): CyclePlan {
  const removed = [...memory.lastRun.keys()].filter((id) => !state.exists(id));
  let next = memory;
  if (removed.length > 0) {
    const gone = new Set(removed);
    next = {
      lastRun: new Map([...memory.lastRun].filter(([id]) => !gone.has(id))),
      failed: new Set([...memory.failed].filter((id) => !gone.has(id))),
    };
  }
  const changed: NodeId[] = [];
  for (const [id, fingerprint] of state.fingerprints) if (next.lastRun.get(id) !== fingerprint) changed.push(id);
  const wanted = new Set<NodeId>();
  if (reason === 'all' || reason === 'start') for (const id of state.selection) wanted.add(id);
  else if (reason === 'failed') for (const id of next.failed) wanted.add(id);
  for (const id of changed) wanted.add(id);
  const grown: NodeId[] = [];
  if (changedOnly) for (const id of wanted) for (const test of state.testsOf(id)) grown.push(test);
  else for (const id of state.descendants(wanted)) grown.push(id);
  for (const id of grown) wanted.add(id);
  const selected = new Set(state.selection);
  return {
    ids: state.selection.filter((id) => wanted.has(id)),
    changed: changed.filter((id) => selected.has(id)),
    removed,
    memory: next,
  };
}

/** One node's result, as the memory needs it. */
export interface RunOutcome {
  id: NodeId;
  status: 'success' | 'pass' | 'warn' | 'error' | 'fail' | 'skipped' | string;
}

/**
 * The memory after a run: each node that ran keeps the fingerprint it ran with; a skipped node is
 * forgotten (it is dirty until it runs); failures, errors and skips are the next `failed`. Nodes that
 * are never steps (`seen`: ephemeral models, nodes outside the selection) count as seen now, or they
 * would stay dirty and drag their descendants into every cycle.
 *
 * @example rememberRun(memory, results, fingerprints, ['model.shop.eph'])
 */
export function rememberRun(
  memory: WatchMemory,
  results: readonly RunOutcome[],
  fingerprints: ReadonlyMap<NodeId, Fingerprint>,
  seen: Iterable<NodeId>,
): WatchMemory {
  const lastRun = new Map(memory.lastRun);
  const ran = new Set(results.map((r) => r.id));
  const failed = new Set([...memory.failed].filter((id) => !ran.has(id)));
  for (const result of results) {
    if (result.status === 'skipped') {
      lastRun.delete(result.id);
      failed.add(result.id);
      continue;
    }
    lastRun.set(result.id, fingerprints.get(result.id) ?? '');
    if (result.status === 'error' || result.status === 'fail') failed.add(result.id);
  }
  for (const id of seen) {
    const fingerprint = fingerprints.get(id);
    if (fingerprint !== undefined) lastRun.set(id, fingerprint);
  }
  return { lastRun, failed };
}
