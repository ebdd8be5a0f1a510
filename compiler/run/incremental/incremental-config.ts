/**
 * The incremental configs of a model, checked once at parse time so that a wrong strategy or mode stops
 * the command before any SQL runs (dbt finds most of these only when the model runs). A leaf module: it
 * imports no stage, so the parser and the run handler share it.
 */
import type { Diagnostic } from '../../diagnostics/strata-error.js';

/** The strategies dbt-postgres knows, in its documentation's order. */
export const INCREMENTAL_STRATEGIES = ['append', 'delete+insert', 'merge', 'microbatch'] as const;
export type IncrementalStrategy = (typeof INCREMENTAL_STRATEGIES)[number];

export const ON_SCHEMA_CHANGE = ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'] as const;
export type OnSchemaChange = (typeof ON_SCHEMA_CHANGE)[number];

export const BATCH_SIZES = ['hour', 'day', 'month', 'year'] as const;
export type BatchSize = (typeof BATCH_SIZES)[number];

/** `unique_key` as a list: `'id'` → `['id']`, `['a', 'b']` as given, none → `[]`. */
export function uniqueKeyColumns(config: Record<string, unknown>): string[] {
  const key = config.unique_key;
  if (key === undefined || key === null || key === '') return [];
  return (Array.isArray(key) ? key : [key]).map(String);
}

/**
 * The strategy a model runs. As in dbt-postgres, without `incremental_strategy` it is `delete+insert`
 * when the model has a `unique_key`, else `append`.
 *
 * @example incrementalStrategy({ unique_key: 'id' })  // 'delete+insert'
 */
export function incrementalStrategy(config: Record<string, unknown>): IncrementalStrategy {
  const given = config.incremental_strategy;
  if (typeof given === 'string' && given !== '' && given !== 'default') return given as IncrementalStrategy;
  return uniqueKeyColumns(config).length > 0 ? 'delete+insert' : 'append';
}

export function onSchemaChange(config: Record<string, unknown>): OnSchemaChange {
  const given = config.on_schema_change;
  return typeof given === 'string' && given !== '' ? (given as OnSchemaChange) : 'ignore';
}

/** `incremental_predicates` as a list of SQL conditions. */
export function incrementalPredicates(config: Record<string, unknown>): string[] {
  const given = config.incremental_predicates;
  if (given === undefined || given === null) return [];
  return (Array.isArray(given) ? given : [given]).map(String);
}

/**
 * Problems with a model's incremental configs, each naming the key and the values there are. The place
 * (file:line:col) is the key's first appearance in `text`, the model's file, when it is written there.
 *
 * @example checkIncrementalConfig({ materialized: 'incremental', incremental_strategy: 'bogus' }, 'models/m.sql', text)
 *   // [{ code: 'STR135', message: "unknown incremental_strategy 'bogus'", line: 1, column: 40, ... }]
 */
export function checkIncrementalConfig(config: Record<string, unknown>, file: string, text = ''): Diagnostic[] {
  if (config.materialized !== 'incremental') return [];
  const problems: Diagnostic[] = [];
  const problem = (key: string, message: string, hint: string) => problems.push({ code: 'STR135', message, file, ...placeOf(text, key), hint });
  const strategy = config.incremental_strategy;
  if (strategy !== undefined && strategy !== null && strategy !== 'default' && !(INCREMENTAL_STRATEGIES as readonly unknown[]).includes(strategy)) {
    problem('incremental_strategy', `unknown incremental_strategy '${String(strategy)}'`, `the strategies there are: ${INCREMENTAL_STRATEGIES.join(', ')}`);
  }
  const mode = config.on_schema_change;
  if (mode !== undefined && mode !== null && !(ON_SCHEMA_CHANGE as readonly unknown[]).includes(mode)) {
    problem('on_schema_change', `unknown on_schema_change '${String(mode)}'`, `use one of ${ON_SCHEMA_CHANGE.join(', ')}`);
  }
  const chosen = incrementalStrategy(config);
  if (chosen === 'merge' && uniqueKeyColumns(config).length === 0) {
    problem('incremental_strategy', "incremental_strategy 'merge' needs a unique_key", 'set unique_key to the column (or list of columns) that identifies a row');
  }
  if (config.merge_update_columns !== undefined && config.merge_exclude_columns !== undefined) {
    problem('merge_exclude_columns', 'a model cannot set both merge_update_columns and merge_exclude_columns', 'keep one of them');
  }
  if (chosen === 'microbatch') {
    if (typeof config.event_time !== 'string' || config.event_time === '') {
      problem('incremental_strategy', "incremental_strategy 'microbatch' needs event_time", 'set event_time to the column that says when each row happened');
    }
    if (!(BATCH_SIZES as readonly unknown[]).includes(config.batch_size)) {
      const given = config.batch_size === undefined ? 'no batch_size' : `batch_size '${String(config.batch_size)}'`;
      problem(config.batch_size === undefined ? 'incremental_strategy' : 'batch_size', `microbatch model with ${given}`, `use one of ${BATCH_SIZES.join(', ')}`);
    }
    if (config.begin === undefined || config.begin === null || config.begin === '') {
      problem('incremental_strategy', "incremental_strategy 'microbatch' needs begin", "set begin to the first event time to build, e.g. begin='2024-01-01'");
    } else if (Number.isNaN(parseEventTime(config.begin)?.getTime() ?? NaN)) {
      problem('begin', `begin '${String(config.begin)}' is not a date or timestamp`, "write it as '2024-01-01' or '2024-01-01 00:00:00'");
    }
    const lookback = config.lookback;
    if (lookback !== undefined && !(Number.isInteger(lookback) && (lookback as number) >= 0)) {
      problem('lookback', `lookback '${String(lookback)}' is not a whole number of batches`, 'use 0 or more (the default is 1)');
    }
  }
  return problems;
}

/**
 * A date or timestamp as dbt reads `begin` and `--event-time-start`: ISO text taken as UTC when it has no
 * offset; a Date, or a template's datetime, as given. Undefined when it is neither.
 *
 * @example parseEventTime('2024-01-01')  // 2024-01-01T00:00:00.000Z
 */
export function parseEventTime(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  // A Python datetime or date of the template context (`begin=modules.datetime.datetime(2024, 1, 1)`).
  const isoformat = (value as { isoformat?: unknown } | null)?.isoformat;
  if (typeof isoformat === 'function') return parseEventTime(String(isoformat.call(value)));
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(' ', 'T');
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const date = new Date(text.length === 10 ? `${text}T00:00:00Z` : hasOffset ? text : `${text}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Where `key` first appears in `text` (1-based), if it does. */
export function placeOf(text: string, key: string): { line?: number; column?: number } {
  const match = new RegExp(`\\b${key.replace(/[+]/g, '\\+')}\\b`).exec(text);
  return match ? lineAndColumn(text, match.index) : {};
}

export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}
