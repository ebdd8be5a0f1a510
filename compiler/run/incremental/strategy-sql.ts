/**
 * The statements of each strategy, as dbt's `get_incremental_*_sql` macros write them for PostgreSQL.
 * `source` is the table of new rows; `columns` are the ones to write (after on_schema_change).
 */
import type { Relation } from '../../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import { DEST, SOURCE } from './incremental-input.js';

export interface StrategyInput {
  target: Relation;
  /** SQL text naming the new rows' table (a quoted temporary table name). */
  source: string;
  columns: string[];
  uniqueKey: string[];
  predicates: string[];
  /** `merge` only. */
  mergeUpdateColumns?: string[];
  mergeExcludeColumns?: string[];
}

/**
 * A column the user named in `unique_key` or `merge_update_columns`: quoted when it is a plain lower-case
 * name (so `order` works), else written as given, as dbt does (`ID` folds to `id`; an expression stays).
 */
function userColumn(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? quoteIdent(name) : name;
}

/** `append`: every new row goes in. */
export function appendSql(input: StrategyInput): string[] {
  return [insertSql(input)];
}

/**
 * `delete+insert`: the table's rows whose `unique_key` matches a new row (and that pass every
 * incremental predicate) go, then every new row goes in. Without a key nothing is deleted.
 */
export function deleteInsertSql(input: StrategyInput): string[] {
  const statements: string[] = [];
  if (input.uniqueKey.length > 0) {
    const keys = input.uniqueKey.map(userColumn).join(', ');
    const where = [`(${keys}) in (select ${keys} from ${input.source})`, ...input.predicates.map((p) => `(${p})`)];
    statements.push(`delete from ${quoteRelation(input.target)} as ${DEST}\nwhere ${where.join('\n  and ')}`);
  }
  statements.push(insertSql(input));
  return statements;
}

/**
 * `merge`: PostgreSQL 15's MERGE on `unique_key` (and the incremental predicates). Matched rows get the
 * new values of `merge_update_columns` (default: every column but `merge_exclude_columns`); the others
 * are inserted.
 */
export function mergeSql(input: StrategyInput): string[] {
  const on = [
    ...input.uniqueKey.map((k) => `${SOURCE}.${userColumn(k)} = ${DEST}.${userColumn(k)}`),
    ...input.predicates.map((p) => `(${p})`),
  ];
  const excluded = new Set((input.mergeExcludeColumns ?? []).map((c) => c.toLowerCase()));
  const update = input.mergeUpdateColumns
    ? input.mergeUpdateColumns.map((c) => `${userColumn(c)} = ${SOURCE}.${userColumn(c)}`)
    : input.columns.filter((c) => !excluded.has(c.toLowerCase())).map((c) => `${quoteIdent(c)} = ${SOURCE}.${quoteIdent(c)}`);
  const columns = input.columns.map(quoteIdent);
  return [
    [
      `merge into ${quoteRelation(input.target)} as ${DEST}`,
      `using ${input.source} as ${SOURCE}`,
      `on ${on.length > 0 ? on.join('\n  and ') : 'false'}`,
      ...(update.length > 0 ? [`when matched then update set ${update.join(', ')}`] : []),
      `when not matched then insert (${columns.join(', ')})`,
      `values (${columns.map((c) => `${SOURCE}.${c}`).join(', ')})`,
    ].join('\n'),
  ];
}

/**
 * A microbatch batch: the table's rows in the batch's window (and, with a `unique_key`, those the new
 * rows replace) go, then the batch's rows go in.
 */
export function replaceWindowSql(input: StrategyInput, eventTime: string, window: { start: string; end: string }): string[] {
  const inWindow = `${DEST}.${eventTime} >= '${window.start}' and ${DEST}.${eventTime} < '${window.end}'`;
  const keys = input.uniqueKey.map(userColumn).join(', ');
  const match = input.uniqueKey.length > 0 ? `(${inWindow} or (${keys}) in (select ${keys} from ${input.source}))` : `(${inWindow})`;
  const where = [match, ...input.predicates.map((p) => `(${p})`)];
  return [`delete from ${quoteRelation(input.target)} as ${DEST}\nwhere ${where.join('\n  and ')}`, insertSql(input)];
}

function insertSql(input: StrategyInput): string {
  const columns = input.columns.map(quoteIdent).join(', ');
  return `insert into ${quoteRelation(input.target)} (${columns})\nselect ${columns} from ${input.source}`;
}
