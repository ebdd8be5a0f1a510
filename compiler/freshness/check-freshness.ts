/**
 * `strata source freshness`: for each selected source table with a `freshness` and a `loaded_at_field`,
 * the newest `loaded_at_field` (dbt's `collect_freshness`: `max(field)` and the database's now, with the
 * `filter` as a where clause) and its status against `warn_after` / `error_after`. Naive timestamps are
 * read as UTC, as dbt reads them.
 */
import type { Adapter } from '../adapters/adapter.js';
import { quoteIdent } from '../sql/quote.js';
import type { FreshnessThreshold, FreshnessTime, SourceTable } from '../manifest/types.js';

export type FreshnessStatus = 'pass' | 'warn' | 'error' | 'runtime error';

export interface FreshnessResult {
  source: SourceTable;
  status: FreshnessStatus;
  /** ISO 8601 in UTC; `0001-01-01T00:00:00Z` when no row has a value (dbt's "infinitely long ago"). */
  maxLoadedAt?: string;
  snapshottedAt?: string;
  ageSeconds?: number;
  /** The database's message, for `runtime error`. */
  error?: string;
  /** The compiled query. */
  sql: string;
  startedAt: string;
  completedAt: string;
  executionTime: number;
}

const PERIOD_SECONDS: Record<FreshnessTime['period'], number> = { minute: 60, hour: 3600, day: 86_400 };
const NEVER = '0001-01-01T00:00:00Z';

/**
 * dbt's `FreshnessThreshold.status`: error when older than `error_after`, else warn when older than
 * `warn_after`, else pass (strictly older: an age equal to the threshold passes).
 *
 * @example freshnessStatus(7200, { warn_after: { count: 1, period: 'hour' } })  // 'warn'
 */
export function freshnessStatus(ageSeconds: number, threshold: FreshnessThreshold): Exclude<FreshnessStatus, 'runtime error'> {
  const exceeded = (time: FreshnessTime | undefined) => time !== undefined && ageSeconds > time.count * PERIOD_SECONDS[time.period];
  if (exceeded(threshold.error_after)) return 'error';
  if (exceeded(threshold.warn_after)) return 'warn';
  return 'pass';
}

/**
 * The freshness query of a source table (dbt-postgres's `collect_freshness`, its times as UTC text).
 * With `loaded_at_query`, that query gives the time (`{{ this }}` in it is the table; no filter).
 */
export function freshnessSql(source: SourceTable): string {
  const relation = `${quoteIdent(source.schema)}.${quoteIdent(source.identifier)}`;
  const where = source.freshness?.filter ? `\nwhere ${source.freshness.filter}` : '';
  const iso = (value: string) => `to_char(${value}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  const times = source.loadedAtQuery
    ? `  select ((${source.loadedAtQuery.replace(/\{\{-?\s*this\s*-?\}\}/g, relation)}))::timestamptz as max_loaded_at, now() as snapshotted_at`
    : `  select max((${source.loadedAtField})::timestamptz) as max_loaded_at, now() as snapshotted_at\n  from ${relation}${where}`;
  return (
    `select ${iso('max_loaded_at')} as max_loaded_at, ${iso('snapshotted_at')} as snapshotted_at,\n` +
    `  extract(epoch from snapshotted_at - max_loaded_at)::float8 as age_seconds\n` +
    `from (\n${times}\n) as freshness`
  );
}

/**
 * Checks each source in turn (the queries are small), on a read-only transaction whose time zone is
 * UTC. A failing query is that source's `runtime error`; the others still run.
 */
export async function checkFreshness(adapter: Adapter, sources: SourceTable[], onResult: (result: FreshnessResult, index: number) => void = () => {}): Promise<FreshnessResult[]> {
  const results: FreshnessResult[] = [];
  await adapter.withConnection(async (connection) => {
    for (const [index, source] of sources.entries()) {
      const sql = freshnessSql(source);
      const startedAt = new Date();
      let result: FreshnessResult;
      try {
        await connection.exec(`begin read only; set local time zone 'UTC'`);
        const rows = await connection.query<{ max_loaded_at: string | null; snapshotted_at: string; age_seconds: number | null }>(sql).finally(() => connection.exec('rollback'));
        const row = rows.rows[0]!;
        const snapshottedAt = row.snapshotted_at;
        const maxLoadedAt = row.max_loaded_at ?? NEVER;
        const ageSeconds = row.age_seconds ?? (Date.parse(snapshottedAt) - Date.parse(NEVER)) / 1000;
        result = { source, sql, status: freshnessStatus(ageSeconds, source.freshness ?? {}), maxLoadedAt, snapshottedAt, ageSeconds, ...timing(startedAt) };
      } catch (error) {
        result = { source, sql, status: 'runtime error', error: (error as Error).message ?? String(error), ...timing(startedAt) };
      }
      results.push(result);
      onResult(result, index);
    }
  });
  return results;
}

function timing(startedAt: Date): Pick<FreshnessResult, 'startedAt' | 'completedAt' | 'executionTime'> {
  const completedAt = new Date();
  return { startedAt: startedAt.toISOString(), completedAt: completedAt.toISOString(), executionTime: (completedAt.getTime() - startedAt.getTime()) / 1000 };
}

/** `3 days 2 hours`, `5 minutes`, `40 seconds`: an age as a person reads it. */
export function describeAge(seconds: number): string {
  if (seconds > 100 * 365 * 86_400) return 'never (no row has a value)';
  const units: [string, number][] = [['day', 86_400], ['hour', 3600], ['minute', 60], ['second', 1]];
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(seconds));
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return `${parts.join(' ')} ago`;
}

/** `12 hours`. */
export function describeTime(time: FreshnessTime): string {
  return `${time.count} ${time.period}${time.count === 1 ? '' : 's'}`;
}
