/**
 * `target/run_results.json` in dbt's run-results v6 shape. What dbt has no field for (our error with
 * its file and line, where the compiled SQL was written, sample failing rows) goes to
 * `strata_run_results.json` beside it (strata-state.ts).
 */
import type { Manifest } from '../manifest/types.js';
import type { NodeResult } from '../run/events.js';
import { dbtMetadata } from './dbt-manifest.js';
import { relationName, type ArtifactContext } from './dbt-node.js';

export const RUN_RESULTS_SCHEMA = 'https://schemas.getdbt.com/dbt/run-results/v6.json';

/**
 * `args` is what dbt keeps of the invocation (`which`, `select`, `full_refresh`, ...): `strata retry`
 * reruns the same command with the same flags from it.
 *
 * @example dbtRunResults(results, 12.5, 'build', context, manifest).results[0].status  // 'success'
 */
export function dbtRunResults(
  results: readonly NodeResult[],
  elapsed: number,
  command: string,
  context: ArtifactContext,
  manifest?: Manifest,
  compiled?: ReadonlyMap<string, string>,
  args: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: dbtMetadata(context, RUN_RESULTS_SCHEMA, false),
    results: results.map((r) => {
      const node = manifest?.nodes[r.id];
      const compiledCode = compiled?.get(r.id) ?? null;
      return {
        status: r.status,
        timing: [{ name: 'execute', started_at: r.startedAt, completed_at: r.completedAt }],
        // Our executor's workers are not threads; dbt's field is a label.
        thread_id: 'Thread-1',
        execution_time: r.executionTime,
        adapter_response: r.rowsAffected === undefined ? {} : { _message: r.message, rows_affected: r.rowsAffected },
        message: r.message ?? null,
        failures: Number.isInteger(r.failures) ? r.failures : null,
        unique_id: r.id,
        compiled: compiledCode !== null,
        compiled_code: compiledCode,
        relation_name: node?.config.materialized === 'ephemeral' ? null : resultRelation(r, context),
        batch_results: null,
      };
    }),
    elapsed_time: elapsed,
    args: { ...args, which: command, invocation_command: args.invocation_command ?? `strata ${command}` },
  };
}

/** `schema.identifier` of what was built (a test's stored failures too), quoted as dbt-postgres does. */
function resultRelation(result: NodeResult, context: ArtifactContext): string | null {
  if (!result.relation) return null;
  const dot = result.relation.indexOf('.');
  if (dot < 0) return null;
  return relationName(context.database, result.relation.slice(0, dot), result.relation.slice(dot + 1));
}
