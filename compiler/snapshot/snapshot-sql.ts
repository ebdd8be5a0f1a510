import { quoteIdent } from '../sql/quote.js';
import type { SnapshotSettings } from './snapshot-config.js';

/**
 * The SQL of a snapshot, as dbt 1.9's snapshot materialization writes it for PostgreSQL (dbt-adapters
 * `snapshot_staging_table`, `snapshot_merge_sql`, the timestamp and check strategies), with explicit
 * column lists so that every branch of the staging union lines up by name, not by position.
 */

/** dbt's `snapshot_get_time()` on PostgreSQL: the transaction's start, without a time zone. */
export const SNAPSHOT_NOW = 'now()::timestamp without time zone';

/** The columns the staging table adds for the key: `dbt_unique_key`, or `dbt_unique_key_1..n` for a list. */
export function keyColumns(settings: SnapshotSettings): string[] {
  return settings.compositeKey ? settings.uniqueKey.map((_, i) => `dbt_unique_key_${i + 1}`) : ['dbt_unique_key'];
}

/** `md5(coalesce(cast(a as varchar), '') || '|' || ...)`: dbt's `snapshot_hash_arguments`. */
export function hashArguments(args: string[]): string {
  return `md5(${args.map((arg) => `coalesce(cast(${arg} as varchar), '')`).join(" || '|' || ")})`;
}

/** The expression each new version's valid_from, updated_at (and the scd id) come from. */
function updatedAtExpression(settings: SnapshotSettings): string {
  return settings.strategy === 'timestamp' ? settings.updatedAt! : (settings.updatedAt ?? SNAPSHOT_NOW);
}

function scdIdExpression(settings: SnapshotSettings): string {
  return hashArguments([...settings.uniqueKey, updatedAtExpression(settings)]);
}

/** A current row's valid_to: null, or `dbt_valid_to_current` (typed as updated_at, as dbt does). */
function currentValidTo(settings: SnapshotSettings): string {
  const updatedAt = updatedAtExpression(settings);
  const typedNull = `nullif(${updatedAt}, ${updatedAt})`;
  return settings.validToCurrent ? `coalesce(${typedNull}, ${settings.validToCurrent})` : typedNull;
}

/** Which rows of the history table are current. */
export function isCurrent(settings: SnapshotSettings, qualifier?: string): string {
  const validTo = `${qualifier ? `${qualifier}.` : ''}${quoteIdent(settings.columns.dbt_valid_to)}`;
  return settings.validToCurrent ? `(${validTo} = ${settings.validToCurrent} or ${validTo} is null)` : `${validTo} is null`;
}

/**
 * The first run: the query's rows, each its first version.
 *
 * @example createSnapshotTable('"s"."h"', 'select * from src', settings)
 *   // create table "s"."h" as (select *, md5(...) as "dbt_scd_id", updated_at as "dbt_updated_at", ...)
 */
export function createSnapshotTable(target: string, sql: string, settings: SnapshotSettings): string {
  const c = settings.columns;
  const updatedAt = updatedAtExpression(settings);
  const deleted = settings.hardDeletes === 'new_record' ? `,\n  'False'::text as ${quoteIdent(c.dbt_is_deleted)}` : '';
  return (
    `create table ${target} as (\nselect *,\n  ${scdIdExpression(settings)} as ${quoteIdent(c.dbt_scd_id)},\n` +
    `  ${updatedAt} as ${quoteIdent(c.dbt_updated_at)},\n  ${updatedAt} as ${quoteIdent(c.dbt_valid_from)},\n` +
    `  ${currentValidTo(settings)} as ${quoteIdent(c.dbt_valid_to)}${deleted}\nfrom (\n${sql}\n) as snapshot_query\n)`
  );
}

export interface StagingInput {
  /** The snapshot's query, compiled. */
  sql: string;
  /** The history table, quoted. */
  target: string;
  /** The query's columns, in order. */
  queryColumns: string[];
  /** The history table's columns now. */
  targetColumns: ReadonlySet<string>;
  settings: SnapshotSettings;
}

/**
 * The changes of one run, one row each, `dbt_change_type` saying what to do with it: `insert` (a new
 * key, a new version of a changed row, a deletion record), `update` (close the current version of a
 * changed row) or `delete` (close the current version of a row gone from the query).
 */
export function stagingSelect(input: StagingInput): string {
  const { settings } = input;
  const c = settings.columns;
  const q = quoteIdent;
  const keys = keyColumns(settings);
  const keyFields = settings.uniqueKey.map((key, i) => `${key} as ${keys[i]}`).join(', ');
  const join = keys.map((k) => `snapshotted_data.${k} = source_data.${k}`).join(' and ');
  const isNull = (relation: string) => `${relation}.${keys[0]} is null`;
  const newRecord = settings.hardDeletes === 'new_record';
  const tracksDeletes = settings.hardDeletes !== 'ignore';
  const wasDeleted = `snapshotted_data.${q(c.dbt_is_deleted)} = 'True'`;
  const changed = `(${rowChanged(input)}${newRecord ? ` or ${wasDeleted}` : ''})`;
  const updatedAt = updatedAtExpression(settings);
  const data = (relation: string) => input.queryColumns.map((col) => `${relation}.${q(col)}`);
  const meta = (relation: string) => [c.dbt_updated_at, c.dbt_valid_from, c.dbt_valid_to].map((col) => `${relation}.${q(col)}`);
  const row = (changeType: string, parts: string[]) => `select '${changeType}'::text as dbt_change_type,\n    ${parts.join(',\n    ')}`;

  const ctes = [
    `snapshot_query as (\n${input.sql}\n)`,
    `snapshotted_data as (\n  select *, ${keyFields}\n  from ${input.target}\n  where ${isCurrent(settings)}\n)`,
    `insertions_source_data as (\n  select *, ${keyFields},\n    ${updatedAt} as ${q(c.dbt_updated_at)},\n    ${updatedAt} as ${q(c.dbt_valid_from)},\n` +
      `    ${currentValidTo(settings)} as ${q(c.dbt_valid_to)},\n    ${scdIdExpression(settings)} as ${q(c.dbt_scd_id)}\n  from snapshot_query\n)`,
    `updates_source_data as (\n  select *, ${keyFields},\n    ${updatedAt} as ${q(c.dbt_updated_at)},\n    ${updatedAt} as ${q(c.dbt_valid_from)},\n` +
      `    ${updatedAt} as ${q(c.dbt_valid_to)}\n  from snapshot_query\n)`,
  ];
  if (tracksDeletes) ctes.push(`deletes_source_data as (\n  select *, ${keyFields}\n  from snapshot_query\n)`);

  const branches = [
    `${row('insert', [...data('source_data'), ...keys.map((k) => `source_data.${k}`), ...meta('source_data'), `source_data.${q(c.dbt_scd_id)}`, ...(newRecord ? [`'False'::text as ${q(c.dbt_is_deleted)}`] : [])])}\n` +
      `  from insertions_source_data as source_data\n  left outer join snapshotted_data on ${join}\n` +
      `  where ${isNull('snapshotted_data')} or ${changed}`,
    `${row('update', [...data('source_data'), ...keys.map((k) => `source_data.${k}`), ...meta('source_data'), `snapshotted_data.${q(c.dbt_scd_id)}`, ...(newRecord ? [`snapshotted_data.${q(c.dbt_is_deleted)}`] : [])])}\n` +
      `  from updates_source_data as source_data\n  join snapshotted_data on ${join}\n  where ${changed}`,
  ];
  // A key already recorded as deleted (new_record) is not deleted again.
  const notYetDeleted = newRecord ? ` and snapshotted_data.${q(c.dbt_is_deleted)} is distinct from 'True'` : '';
  if (tracksDeletes) {
    branches.push(
      `${row('delete', [...data('source_data'), ...keys.map((k) => `source_data.${k}`), SNAPSHOT_NOW, SNAPSHOT_NOW, SNAPSHOT_NOW, `snapshotted_data.${q(c.dbt_scd_id)}`, ...(newRecord ? [`snapshotted_data.${q(c.dbt_is_deleted)}`] : [])])}\n` +
        `  from snapshotted_data\n  left join deletes_source_data as source_data on ${join}\n  where ${isNull('source_data')}${notYetDeleted}`,
    );
  }
  if (newRecord) {
    // The deletion record: the last version's values, from now on, marked deleted. A column the query
    // has but the history table does not yet is null in it.
    const kept = input.queryColumns.map((col) => (input.targetColumns.has(col) ? `snapshotted_data.${q(col)}` : `null as ${q(col)}`));
    branches.push(
      `${row('insert', [...kept, ...keys.map((k) => `snapshotted_data.${k}`), SNAPSHOT_NOW, SNAPSHOT_NOW, `snapshotted_data.${q(c.dbt_valid_to)}`, hashArguments([`snapshotted_data.${q(c.dbt_scd_id)}`, SNAPSHOT_NOW]), `'True'::text as ${q(c.dbt_is_deleted)}`])}\n` +
        `  from snapshotted_data\n  left join deletes_source_data as source_data on ${join}\n  where ${isNull('source_data')}${notYetDeleted}`,
    );
  }
  return `with ${ctes.join(',\n')}\n${branches.join('\nunion all\n')}`;
}

/**
 * Whether a key's row changed since its current version. timestamp: its updated_at is later than the
 * version's valid_from. check: one of the check columns differs (null-safe); a query column the history
 * table lacks counts every row as changed, as in dbt.
 */
function rowChanged(input: StagingInput): string {
  const { settings } = input;
  if (settings.strategy === 'timestamp') {
    return `snapshotted_data.${quoteIdent(settings.columns.dbt_valid_from)} < source_data.${quoteIdent(settings.columns.dbt_updated_at)}`;
  }
  const all = settings.checkCols === 'all';
  const cols = all ? input.queryColumns : (settings.checkCols as string[]);
  const missing = cols.some((col) => !input.targetColumns.has(all ? col : unquoted(col)));
  if (missing) return 'true';
  const ref = (relation: string, col: string) => `${relation}.${all ? quoteIdent(col) : col}`;
  return cols.map((col) => `${ref('snapshotted_data', col)} is distinct from ${ref('source_data', col)}`).join(' or ');
}

/** The name a check_cols entry gives a column: `"Name"` → `Name`, `name` → `name`. */
function unquoted(col: string): string {
  return /^".*"$/.test(col) ? col.slice(1, -1).replace(/""/g, '"') : col.toLowerCase();
}
