import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

const INTEGER = /^-?\d{1,18}$/;
const NUMERIC = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** The order in which a column's type widens as values disagree. */
const CANDIDATES: [string, RegExp][] = [
  ['integer', INTEGER],
  ['numeric', NUMERIC],
  ['boolean', BOOLEAN],
  ['date', DATE],
  ['timestamp', TIMESTAMP],
  ['timestamptz', TIMESTAMPTZ],
];

export interface SeedColumns {
  names: string[];
  types: string[];
}

/**
 * Reads a seed's header and infers each column's Postgres type from its values (empty = NULL, ignored),
 * as dbt does with agate; `column_types` overrides win.
 *
 * @example inferSeedColumns('seeds/store.csv', { store_id: 'smallint' })
 *   // { names: ['store_id', 'manager_staff_id', ...], types: ['smallint', 'integer', ...] }
 */
export function inferSeedColumns(path: string, overrides: Record<string, string> = {}): SeedColumns {
  const records = parse(readFileSync(path), { bom: true, relax_column_count: false }) as string[][];
  const names = records[0] ?? [];
  const rows = records.slice(1);
  const types = names.map((name, column) => {
    if (overrides[name]) return overrides[name];
    let candidates = CANDIDATES;
    let seen = false;
    for (const row of rows) {
      const value = row[column];
      if (value === undefined || value === '') continue;
      seen = true;
      candidates = candidates.filter(([, pattern]) => pattern.test(value));
      if (candidates.length === 0) return 'text';
    }
    if (!seen) return 'text';
    const first = candidates[0][0];
    return first === 'integer' && rows.some((r) => r[column] && Math.abs(Number(r[column])) > 2147483647) ? 'bigint' : first;
  });
  return { names, types };
}
