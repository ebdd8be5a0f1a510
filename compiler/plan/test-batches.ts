import type { Manifest, ManifestNode, NodeId } from '../manifest/types.js';

/** The built-in generic tests one query per model can answer together. */
export const BATCHABLE_TESTS: ReadonlySet<string> = new Set(['not_null', 'unique', 'accepted_values', 'relationships']);

/**
 * Whether a test may share its model's query: a built-in generic test on one column of a model, seed or
 * source, counted with the default `fail_calc`. (Whether the project overrides the test's macro is
 * checked at run time, where the macros are known: such a test runs on its own.)
 */
export function isBatchableTest(node: ManifestNode): boolean {
  const test = node.test;
  if (node.resourceType !== 'test' || !test?.name || !BATCHABLE_TESTS.has(test.name)) return false;
  if (!test.attachedNode || test.columnName === undefined) return false;
  const failCalc = node.config.fail_calc;
  return failCalc === undefined || failCalc === null || /^\s*count\(\*\)\s*$/i.test(String(failCalc));
}

interface BatchableStep {
  kind: string;
  id: NodeId;
  after: NodeId[];
  batch?: NodeId[];
}

/**
 * Gives each batchable test step `batch`: the test steps of the plan that read the same relation, itself
 * included, when there are two or more. The first of them to run answers for all in one query, so they
 * must be ready at the same moment: each waits for what any of them waits for (a relationships test
 * waits for its parent model too). Where that would make a cycle (a parent built after the model's
 * tests), the tests are grouped by what they wait for, as it is.
 *
 * @example withTestBatches(manifest, steps).find((s) => s.kind === 'test')?.batch
 *   // ['test.pagila.not_null_fct_rental_rental_id', 'test.pagila.unique_fct_rental_rental_id', ...]
 */
export function withTestBatches<S extends BatchableStep>(manifest: Manifest, steps: S[]): S[] {
  const byModel = new Map<NodeId, S[]>();
  for (const step of steps) {
    const node = manifest.nodes[step.id];
    if (step.kind !== 'test' || !node || !isBatchableTest(node)) continue;
    const model = node.test!.attachedNode!;
    byModel.set(model, [...(byModel.get(model) ?? []), step]);
  }
  const stepById = new Map(steps.map((s) => [s.id, s]));
  for (const group of byModel.values()) {
    if (group.length < 2) continue;
    const union = [...new Set(group.flatMap((s) => s.after))];
    if (!reachesAny(union, new Set(group.map((s) => s.id)), stepById)) {
      for (const step of group) step.after = union;
      setBatch(group);
      continue;
    }
    const byAfter = new Map<string, S[]>();
    for (const step of group) {
      const key = [...step.after].sort().join(',');
      byAfter.set(key, [...(byAfter.get(key) ?? []), step]);
    }
    for (const same of byAfter.values()) if (same.length >= 2) setBatch(same);
  }
  return steps;
}

function setBatch(group: BatchableStep[]): void {
  const ids = group.map((s) => s.id);
  for (const step of group) step.batch = ids;
}

/** True when waiting for `from` would mean waiting for one of `targets` (following `after`). */
function reachesAny(from: NodeId[], targets: ReadonlySet<NodeId>, stepById: ReadonlyMap<NodeId, BatchableStep>): boolean {
  const seen = new Set<NodeId>();
  const stack = [...from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (targets.has(id)) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(stepById.get(id)?.after ?? []));
  }
  return false;
}
