/**
 * Freshness in schema YAML, on a source and on each of its tables, as dbt reads it:
 *
 *   sources:
 *     - name: pagila
 *       freshness: {warn_after: {count: 12, period: hour}}   # or under config:, which wins
 *       loaded_at_field: last_update                        # or loaded_at_query: select max(...) ...
 *       tables:
 *         - name: payment
 *           freshness: {error_after: {count: 1, period: day}}   # merged over the source's, key by key
 *         - name: language
 *           freshness: null                                     # off for this table
 *
 * The project's `sources:` tree (`+freshness`) comes under these in render/source-freshness-config.ts.
 */
import { z } from 'zod';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { FreshnessThreshold } from '../manifest/types.js';
import type { YamlPlace } from './schema-properties.js';

const freshnessTime = z.object({ count: z.number().int().positive().nullish(), period: z.enum(['minute', 'hour', 'day']).nullish() }).strict().nullish();
/** dbt's `FreshnessThreshold`; null turns freshness off (for one table of a source that has it). */
export const freshnessSchema = z.object({ warn_after: freshnessTime, error_after: freshnessTime, filter: z.string().nullish() }).strict().nullable();
/** The freshness keys of a source or table entry, and of its `config:`. */
export const freshnessKeys = { freshness: freshnessSchema.optional(), loaded_at_field: z.string().min(1).optional(), loaded_at_query: z.string().min(1).optional() };

/** A source's or table's freshness as written (`config.freshness` wins), checked: null turns it off. */
export function freshnessOf(
  entry: { freshness?: z.infer<typeof freshnessSchema>; config?: { freshness?: z.infer<typeof freshnessSchema> } },
  at: YamlPlace,
  problems: Diagnostic[],
): FreshnessThreshold | null | undefined {
  const raw = entry.config && 'freshness' in entry.config ? entry.config.freshness : 'freshness' in entry ? entry.freshness : undefined;
  if (raw === null || raw === undefined) return raw;
  const result: FreshnessThreshold = {};
  for (const key of ['warn_after', 'error_after'] as const) {
    const time = raw[key];
    if (!time || (time.count == null && time.period == null)) continue;
    if (time.count == null || time.period == null) {
      problems.push({ code: 'STR181', message: `freshness ${key} needs both count and period`, ...at, hint: `e.g. ${key}: {count: 12, period: hour}` });
      continue;
    }
    result[key] = { count: time.count, period: time.period };
  }
  if (raw.filter) result.filter = raw.filter;
  return result;
}

/** `loaded_at_field` or `loaded_at_query` of a source or table (`config:` wins); both at once is STR181. */
export function loadedAtOf(
  entry: { loaded_at_field?: string; loaded_at_query?: string; config?: { loaded_at_field?: string; loaded_at_query?: string } },
  at: YamlPlace,
  problems: Diagnostic[],
): { loadedAtField?: string; loadedAtQuery?: string } | undefined {
  const field = entry.config?.loaded_at_field ?? entry.loaded_at_field;
  const query = entry.config?.loaded_at_query ?? entry.loaded_at_query;
  if (field !== undefined && query !== undefined) {
    problems.push({ code: 'STR181', message: 'loaded_at_field and loaded_at_query are both set', ...at, hint: 'keep one: a column (or expression) of the table, or a query giving the time' });
  }
  if (query !== undefined) return { loadedAtQuery: query };
  return field === undefined ? undefined : { loadedAtField: field };
}

/** dbt's merge: a table's thresholds override its source's, key by key; a table's `freshness: null` turns it off. */
export function mergeFreshness(base: FreshnessThreshold | null | undefined, update: FreshnessThreshold | null | undefined): FreshnessThreshold | null | undefined {
  if (update === null) return null;
  if (update === undefined) return base;
  if (!base) return update;
  const merged: FreshnessThreshold = { ...base };
  for (const key of ['warn_after', 'error_after', 'filter'] as const) if (update[key] !== undefined) (merged as Record<string, unknown>)[key] = update[key];
  return merged;
}
