/**
 * The incremental run of a model whose table exists, inside the handler's transaction:
 *
 *   create temporary table <new rows> as (select) → on_schema_change → the strategy's statements → drop
 *
 * Microbatch repeats that once per batch, with the model's upstream reads filtered to the batch's window.
 * A failure in any statement rolls the whole run back: the table stays as it was.
 */
import type { Relation } from '../../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import type { Manifest } from '../../manifest/types.js';
import { scratchName } from '../scratch-names.js';
import {
  incrementalPredicates,
  incrementalStrategy,
  onSchemaChange,
  uniqueKeyColumns,
  type IncrementalStrategy,
} from './incremental-config.js';
import type { IncrementalInput } from './incremental-input.js';
import { eventTimeInputs, filterToWindow, microbatchWindows, timestampLiteral, type BatchWindow } from './microbatch.js';
import { relationColumns } from './relation-columns.js';
import { applySchemaChanges } from './schema-change.js';
import { appendSql, deleteInsertSql, mergeSql, replaceWindowSql, type StrategyInput } from './strategy-sql.js';

export type { IncrementalInput } from './incremental-input.js';

export interface IncrementalResult {
  rows: number;
  notices: string[];
}

/** The statements of each strategy but microbatch, which runs delete+insert per window. */
const STRATEGIES: Record<Exclude<IncrementalStrategy, 'microbatch'>, (input: StrategyInput) => string[]> = {
  append: appendSql,
  'delete+insert': deleteInsertSql,
  merge: mergeSql,
};

export interface MicrobatchRun {
  manifest: Manifest;
  eventTimeStart?: Date;
  eventTimeEnd?: Date;
  now?: Date;
}

export function isMicrobatch(config: Record<string, unknown>): boolean {
  return config.materialized === 'incremental' && incrementalStrategy(config) === 'microbatch';
}

/**
 * Adds the model's new rows (`sql`, compiled with `is_incremental()` true) to its existing table.
 *
 * @example await runIncremental({ connection: log, node, target, runId, createTableAs }, sql, { manifest })
 */
export async function runIncremental(input: IncrementalInput, sql: string, run: MicrobatchRun): Promise<IncrementalResult> {
  const strategy = incrementalStrategy(input.node.config);
  if (strategy !== 'microbatch') return insertNewRows(input, sql, STRATEGIES[strategy]);
  const batches = microbatchWindows(input.node.config, { incremental: true, ...batchOptions(run) });
  const result = await runBatches(input, sql, run.manifest, batches);
  return { rows: result.rows, notices: [batchNotice(input, batches), ...result.notices] };
}

/**
 * The first build (or a full refresh) of a microbatch model into `scratch`, a new table the handler then
 * swaps in: the first batch creates it, each later one replaces its window in it.
 */
export async function buildMicrobatchTable(input: IncrementalInput, sql: string, run: MicrobatchRun, scratch: Relation): Promise<IncrementalResult> {
  const batches = microbatchWindows(input.node.config, { incremental: false, ...batchOptions(run) });
  const inputs = eventTimeInputs(run.manifest, input.node);
  const [first, ...rest] = batches;
  const created = await input.connection.query(input.createTableAs(scratch, filterToWindow(sql, inputs, first), false));
  const later = await runBatches({ ...input, target: scratch }, sql, run.manifest, rest);
  return { rows: (created.rowCount ?? 0) + later.rows, notices: [batchNotice(input, batches), ...later.notices] };
}

function batchOptions(run: MicrobatchRun) {
  return { eventTimeStart: run.eventTimeStart, eventTimeEnd: run.eventTimeEnd, now: run.now ?? new Date() };
}

/** Each batch replaces its window of `input.target`, oldest first. */
async function runBatches(input: IncrementalInput, sql: string, manifest: Manifest, batches: BatchWindow[]): Promise<IncrementalResult> {
  const inputs = eventTimeInputs(manifest, input.node);
  const eventTime = String(input.node.config.event_time);
  let rows = 0;
  const notices: string[] = [];
  for (const window of batches) {
    const result = await insertNewRows(input, filterToWindow(sql, inputs, window), (strategyInput) =>
      replaceWindowSql(strategyInput, eventTime, { start: timestampLiteral(window.start), end: timestampLiteral(window.end) }),
    );
    rows += result.rows;
    for (const notice of result.notices) if (!notices.includes(notice)) notices.push(notice);
  }
  return { rows, notices };
}

async function insertNewRows(input: IncrementalInput, sql: string, statements: (input: StrategyInput) => string[]): Promise<IncrementalResult> {
  const { connection, node, target } = input;
  const scratch = scratchName(node.alias, 'new', input.runId);
  await connection.exec(input.createTableAs({ schema: '', identifier: scratch }, sql, true));
  const source = await relationColumns(connection, quoteIdent(scratch));
  const current = await relationColumns(connection, quoteRelation(target));
  const { columns, notices } = await applySchemaChanges(connection, node, target, onSchemaChange(node.config), source, current);
  const config = node.config;
  let rows = 0;
  for (const statement of statements({
    target,
    source: quoteIdent(scratch),
    columns,
    uniqueKey: uniqueKeyColumns(config),
    predicates: incrementalPredicates(config),
    mergeUpdateColumns: listOf(config.merge_update_columns),
    mergeExcludeColumns: listOf(config.merge_exclude_columns),
  })) {
    rows = (await connection.query(statement)).rowCount ?? 0;
  }
  await connection.exec(`drop table ${quoteIdent(scratch)}`);
  return { rows, notices };
}

function batchNotice(input: IncrementalInput, batches: BatchWindow[]): string {
  const day = (date: Date) => timestampLiteral(date).replace(/ 00:00:00\+00:00$/, '');
  const count = `${batches.length} batch${batches.length === 1 ? '' : 'es'}`;
  return `microbatch: ${count} of a ${String(input.node.config.batch_size)}, ${day(batches[0].start)} to ${day(batches[batches.length - 1].end)}`;
}

function listOf(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  return (Array.isArray(value) ? value : [value]).map(String);
}
