/**
 * What a watch cycle reruns, without files, processes or a database: tables of (memory, project state,
 * reason) → plan, and of (memory, results) → next memory.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_MEMORY, planCycle, rememberRun, type CycleState, type WatchMemory } from '../../compiler/watch/cycle-plan.js';
import type { NodeId } from '../../compiler/manifest/types.js';

/**
 * A small project: a → b → c, a's test, b's unit test, and d outside the usual chain.
 * `fingerprints` gives each node's current fingerprint (default 'v1').
 */
const PARENTS: Record<string, string[]> = {
  'model.p.a': [],
  'model.p.b': ['model.p.a'],
  'model.p.c': ['model.p.b'],
  'test.p.not_null_a': ['model.p.a'],
  'unit_test.p.b.u': ['model.p.b'],
  'model.p.d': [],
};
const ALL = Object.keys(PARENTS) as NodeId[];

function state(fingerprints: Record<string, string> = {}, selection: NodeId[] = ALL, nodes: NodeId[] = ALL): CycleState {
  const children = (id: string) => nodes.filter((n) => PARENTS[n]!.includes(id));
  return {
    fingerprints: new Map(nodes.map((id) => [id, fingerprints[id] ?? 'v1'])),
    selection,
    exists: (id) => nodes.includes(id),
    descendants(ids) {
      const found = new Set<NodeId>();
      const stack = [...ids];
      while (stack.length > 0) for (const child of children(stack.pop()!)) if (!found.has(child)) found.add(child), stack.push(child);
      return found;
    },
    testsOf: (id) => children(id).filter((child) => child.startsWith('test.') || child.startsWith('unit_test.')),
  };
}

/** Memory after every node ran with fingerprint 'v1'. */
const ranAll: WatchMemory = { lastRun: new Map(ALL.map((id) => [id, 'v1'])), failed: new Set() };

const short = (ids: readonly string[]) => ids.map((id) => id.split('.').slice(2).join('.'));

describe('planCycle', () => {
  const cases: { name: string; memory: WatchMemory; state: CycleState; reason: 'start' | 'files' | 'all' | 'failed'; changedOnly?: boolean; ids: string[]; changed: string[]; removed?: string[] }[] = [
    { name: 'the start runs the whole selection', memory: EMPTY_MEMORY, state: state(), reason: 'start', ids: short(ALL), changed: short(ALL) },
    { name: 'nothing changed: nothing runs', memory: ranAll, state: state(), reason: 'files', ids: [], changed: [] },
    {
      name: 'an edited model reruns with its descendants and their tests',
      memory: ranAll,
      state: state({ 'model.p.b': 'v2' }),
      reason: 'files',
      ids: ['b', 'c', 'b.u'],
      changed: ['b'],
    },
    {
      name: '--changed-only: the edited model and its own tests, not its descendants',
      memory: ranAll,
      state: state({ 'model.p.a': 'v2' }),
      reason: 'files',
      changedOnly: true,
      ids: ['a', 'not_null_a'],
      changed: ['a'],
    },
    {
      name: 'an edited unit test (its given/expect rows) reruns itself',
      memory: ranAll,
      state: state({ 'unit_test.p.b.u': 'v2' }),
      reason: 'files',
      changedOnly: true,
      ids: ['b.u'],
      changed: ['b.u'],
    },
    {
      name: 'key f reruns what failed last time, with its descendants',
      memory: { lastRun: ranAll.lastRun, failed: new Set(['model.p.b' as NodeId]) },
      state: state(),
      reason: 'failed',
      ids: ['b', 'c', 'b.u'],
      changed: [],
    },
    { name: 'key a reruns everything even when nothing changed', memory: ranAll, state: state(), reason: 'all', ids: short(ALL), changed: [] },
    {
      name: 'a changed node outside the selection does not run, and its descendants in the selection do',
      memory: ranAll,
      state: state({ 'model.p.a': 'v2' }, ['model.p.b', 'model.p.c'] as NodeId[]),
      reason: 'files',
      ids: ['b', 'c'],
      changed: [],
    },
    {
      name: 'a deleted model is reported as removed and forgotten',
      memory: ranAll,
      state: state({}, ALL.filter((id) => id !== 'model.p.d'), ALL.filter((id) => id !== 'model.p.d')),
      reason: 'files',
      ids: [],
      changed: [],
      removed: ['d'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planCycle(c.memory, c.state, c.reason, c.changedOnly === true);
      expect(short(plan.ids)).toEqual(c.ids);
      expect(short(plan.changed)).toEqual(c.changed);
      expect(short(plan.removed)).toEqual(c.removed ?? []);
      for (const id of plan.removed) {
        expect(plan.memory.lastRun.has(id)).toBe(false);
        expect(c.memory.lastRun.has(id)).toBe(true); // the memory given is not changed
      }
    });
  }
});

describe('rememberRun', () => {
  const fingerprints = new Map(ALL.map((id) => [id, 'v2']));
  it('keeps the fingerprint each node ran with; failures and errors become the next failed set', () => {
    const next = rememberRun(ranAll, [
      { id: 'model.p.a' as NodeId, status: 'success' },
      { id: 'test.p.not_null_a' as NodeId, status: 'fail' },
      { id: 'model.p.b' as NodeId, status: 'error' },
    ], fingerprints, []);
    expect(next.lastRun.get('model.p.a' as NodeId)).toBe('v2');
    expect(next.lastRun.get('model.p.b' as NodeId)).toBe('v2');
    expect([...next.failed].sort()).toEqual(['model.p.b', 'test.p.not_null_a']);
    expect(ranAll.lastRun.get('model.p.a' as NodeId)).toBe('v1');
  });
  it('a skipped node is forgotten, so the next cycle sees it as changed, and is in the failed set', () => {
    const next = rememberRun(ranAll, [{ id: 'model.p.c' as NodeId, status: 'skipped' }], fingerprints, []);
    expect(next.lastRun.has('model.p.c' as NodeId)).toBe(false);
    expect([...next.failed]).toEqual(['model.p.c']);
    expect(short(planCycle(next, state(), 'files', false).ids)).toEqual(['c']);
  });
  it('a node that passes again leaves the failed set; one that did not run stays in it', () => {
    const memory: WatchMemory = { lastRun: ranAll.lastRun, failed: new Set(['model.p.b', 'model.p.d'] as NodeId[]) };
    const next = rememberRun(memory, [{ id: 'model.p.b' as NodeId, status: 'success' }], fingerprints, []);
    expect([...next.failed]).toEqual(['model.p.d']);
  });
  it('nodes that are never steps (ephemeral, outside the selection) count as seen, so they do not stay dirty', () => {
    const next = rememberRun(EMPTY_MEMORY, [], fingerprints, ['model.p.d' as NodeId]);
    expect(next.lastRun.get('model.p.d' as NodeId)).toBe('v2');
    expect(short(planCycle(next, state({ 'model.p.d': 'v2' }, ['model.p.d'] as NodeId[]), 'files', false).ids)).toEqual([]);
  });
});
