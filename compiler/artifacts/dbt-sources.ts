/**
 * `target/sources.json` in dbt's sources v3 shape (`FreshnessExecutionResultArtifact`), written by
 * `strata source freshness`.
 */
import type { FreshnessResult } from '../freshness/check-freshness.js';
import type { SourceTable } from '../manifest/types.js';
import { dbtMetadata } from './dbt-manifest.js';
import type { ArtifactContext } from './dbt-node.js';
import { dbtFreshness } from './dbt-node.js';

export const SOURCES_SCHEMA = 'https://schemas.getdbt.com/dbt/sources/v3.json';

/**
 * @example JSON.stringify(dbtSources(results, 0.4, context))  // {"metadata": {...}, "results": [...], "elapsed_time": 0.4}
 */
export function dbtSources(results: FreshnessResult[], elapsed: number, context: Pick<ArtifactContext, 'generatedAt' | 'invocationId'>): Record<string, unknown> {
  return {
    metadata: dbtMetadata(context as ArtifactContext, SOURCES_SCHEMA, false),
    results: results.map(dbtFreshnessResult),
    elapsed_time: elapsed,
  };
}

function dbtFreshnessResult(result: FreshnessResult): Record<string, unknown> {
  const uniqueId = result.source.id;
  if (result.status === 'runtime error') return { unique_id: uniqueId, error: result.error ?? null, status: 'runtime error' };
  return {
    unique_id: uniqueId,
    max_loaded_at: result.maxLoadedAt,
    snapshotted_at: result.snapshottedAt,
    max_loaded_at_time_ago_in_s: result.ageSeconds,
    status: result.status,
    criteria: criteria(result.source),
    adapter_response: {},
    timing: [
      { name: 'compile', started_at: result.startedAt, completed_at: result.startedAt },
      { name: 'execute', started_at: result.startedAt, completed_at: result.completedAt },
    ],
    thread_id: 'Thread-1',
    execution_time: result.executionTime,
  };
}

/** The thresholds as dbt writes them in a result: a missing one is null. */
function criteria(source: SourceTable): Record<string, unknown> {
  const threshold = dbtFreshness(source);
  return {
    warn_after: source.freshness?.warn_after ? threshold.warn_after : null,
    error_after: source.freshness?.error_after ? threshold.error_after : null,
    filter: threshold.filter,
  };
}
