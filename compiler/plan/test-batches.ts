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
 * Gives each batchable test step `batch`: the test steps of the plan that read the same relation and
 * wait for the same steps (so they are ready at the same moment), itself included, when there are two
 * or more. The first of them to run answers for all in one query.
 *
 * @example withTestBatches(manifest, steps).find((s) => s.kind === 'test')?.batch
 *   // ['test.pagila.not_null_fct_rental_rental_id', 'test.pagila.unique_fct_rental_rental_id', ...]
 */
export function withTestBatches<S extends BatchableStep>(manifest: Manifest, steps: S[]): S[] {
  const groups = new Map<string, S[]>();
  for (const step of steps) {
    const node = manifest.nodes[step.id];
    if (step.kind !== 'test' || !node || !isBatchableTest(node)) continue;
    const key = `${node.test!.attachedNode}\0${[...step.after].sort().join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), step]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const ids = group.map((s) => s.id);
    for (const step of group) step.batch = ids;
  }
  return steps;
}
