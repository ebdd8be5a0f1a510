/**
 * Microbatch, as dbt 1.9 defines it: the model is built in windows of `batch_size` of its `event_time`;
 * each batch reads its upstream models filtered to the window (those with an `event_time` of their own)
 * and replaces the rows of its window in the table.
 *
 *   first build or --full-refresh   from `begin` (truncated to the batch size) to now (rounded up)
 *   incremental run                 the batch holding now, and `lookback` batches before it (default 1)
 *   --event-time-start/-end         from start (truncated) to end (rounded up)
 */
import { quoteRelation } from '../../sql/quote.js';
import type { Manifest, ManifestNode } from '../../manifest/types.js';
import { parseEventTime, type BatchSize } from './incremental-config.js';

export interface BatchWindow {
  start: Date;
  end: Date;
}

export interface BatchOptions {
  /** The table exists and this is not a full refresh. */
  incremental: boolean;
  eventTimeStart?: Date;
  eventTimeEnd?: Date;
  now: Date;
}

/**
 * The batches to run, oldest first.
 *
 * @example microbatchWindows({ batch_size: 'day', begin: '2024-01-01', lookback: 1 }, { incremental: true, now: new Date('2024-01-05T10:00Z') })
 *   // [2024-01-04 → 2024-01-05, 2024-01-05 → 2024-01-06]
 */
export function microbatchWindows(config: Record<string, unknown>, options: BatchOptions): BatchWindow[] {
  const size = config.batch_size as BatchSize;
  const end = ceiling(options.eventTimeEnd ?? options.now, size);
  let start: Date;
  if (options.eventTimeStart) start = truncate(options.eventTimeStart, size);
  else if (!options.incremental) start = truncate(parseEventTime(config.begin)!, size);
  else {
    // `end` is on a batch line, so the batch holding now is the one before it: lookback + 1 batches back.
    const lookback = typeof config.lookback === 'number' ? config.lookback : 1;
    start = offset(end, size, -(lookback + 1));
  }
  const batches: BatchWindow[] = [];
  let cursor = start;
  do {
    const next = offset(cursor, size, 1);
    batches.push({ start: cursor, end: next });
    cursor = next;
  } while (cursor < end);
  batches[batches.length - 1].end = end < batches[batches.length - 1].end ? end : batches[batches.length - 1].end;
  return batches;
}

/** A window bound as dbt writes it in SQL: `2024-01-01 00:00:00+00:00`. */
export function timestampLiteral(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}+00:00`;
}

export interface FilteredRelation {
  /** `"schema"."identifier"`, as the compiled SQL names it. */
  relation: string;
  identifier: string;
  eventTime: string;
}

/** The upstream relations of `node` that have an `event_time`: a batch reads only its window of them. */
export function eventTimeInputs(manifest: Manifest, node: ManifestNode): FilteredRelation[] {
  const inputs: FilteredRelation[] = [];
  for (const id of node.dependsOn.nodes) {
    const upstream: { schema: string; identifier: string; config: Record<string, unknown>; ephemeral: boolean } | undefined = manifest.nodes[id]
      ? { schema: manifest.nodes[id].schema, identifier: manifest.nodes[id].alias, config: manifest.nodes[id].config, ephemeral: manifest.nodes[id].config.materialized === 'ephemeral' }
      : manifest.sources[id]
        ? { schema: manifest.sources[id].schema, identifier: manifest.sources[id].identifier, config: manifest.sources[id].config, ephemeral: false }
        : undefined;
    const eventTime = upstream?.config.event_time;
    if (!upstream || upstream.ephemeral || typeof eventTime !== 'string' || eventTime === '') continue;
    inputs.push({ relation: quoteRelation(upstream), identifier: upstream.identifier, eventTime });
  }
  return inputs;
}

/** Words that may follow a relation in FROM and are not an alias of it. */
const NOT_ALIASES = new Set(
  'where join inner left right full cross natural on using group order limit offset fetch union except intersect having window for lateral tablesample returning into values set and or then when else end'.split(' '),
);

/**
 * The compiled SQL of one batch: each upstream relation with an `event_time` becomes
 * `(select * from it where event_time >= start and event_time < end) alias`. The alias is the one the
 * model gives it (`from {{ ref('x') }} as e` keeps `e`), else `_dbt_et_filter_subq_<name>` as in dbt,
 * whose rendering fails on an aliased ref (dbt-adapters#658).
 *
 * @example filterToWindow('select * from "s"."events" e', [{ relation: '"s"."events"', identifier: 'events', eventTime: 'at' }], window)
 *   // `select * from (select * from "s"."events" where at >= '...' and at < '...') e`
 */
export function filterToWindow(sql: string, inputs: FilteredRelation[], window: BatchWindow): string {
  let result = sql;
  for (const input of inputs) {
    const escaped = input.relation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`(?<![."\\w])${escaped}(?![."\\w])(\\s+(?:[Aa][Ss]\\s+)?("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?`, 'g');
    result = result.replace(pattern, (whole: string, tail: string | undefined, alias: string | undefined) => {
      const own = alias !== undefined && !NOT_ALIASES.has(alias.toLowerCase());
      const filter = `${input.eventTime} >= '${timestampLiteral(window.start)}' and ${input.eventTime} < '${timestampLiteral(window.end)}'`;
      const subquery = `(select * from ${input.relation} where ${filter})`;
      if (own) return `${subquery} ${alias}`;
      return `${subquery} _dbt_et_filter_subq_${input.identifier.replace(/\W/g, '_')}${tail ?? ''}`;
    });
  }
  return result;
}

function truncate(date: Date, size: BatchSize): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  if (size === 'year') return new Date(Date.UTC(y, 0, 1));
  if (size === 'month') return new Date(Date.UTC(y, m, 1));
  if (size === 'day') return new Date(Date.UTC(y, m, date.getUTCDate()));
  return new Date(Date.UTC(y, m, date.getUTCDate(), date.getUTCHours()));
}

function offset(date: Date, size: BatchSize, count: number): Date {
  const t = truncate(date, size);
  if (size === 'year') return new Date(Date.UTC(t.getUTCFullYear() + count, 0, 1));
  if (size === 'month') return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + count, 1));
  if (size === 'day') return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + count));
  return new Date(t.getTime() + count * 3_600_000);
}

function ceiling(date: Date, size: BatchSize): Date {
  const t = truncate(date, size);
  return t.getTime() === date.getTime() ? t : offset(t, size, 1);
}
