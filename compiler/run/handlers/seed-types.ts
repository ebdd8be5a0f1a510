import { parse } from 'csv-parse/sync';
import { readLeadingRows } from './csv-rows.js';

/**
 * How much of a seed type inference reads: the whole file below this size, else its first rows (about
 * 20,000 rows of a typical seed). A later value that does not fit fails the load, naming its line.
 */
export const SAMPLE_BYTES = 1 << 20;

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
  /** Data rows the types were inferred from, and whether they are the whole file. */
  sampledRows: number;
  wholeFile: boolean;
}

/**
 * Reads a seed's header and infers each column's Postgres type from its values (empty = NULL, ignored),
 * as dbt does with agate, from the first `sampleBytes` of the file; `column_types` overrides win, and
 * when they name every column only the header is read.
 *
 * @example inferSeedColumns('seeds/store.csv', { store_id: 'smallint' })
 *   // { names: ['store_id', 'manager_staff_id', ...], types: ['smallint', 'integer', ...], ... }
 */
export function inferSeedColumns(path: string, overrides: Record<string, string> = {}, sampleBytes = SAMPLE_BYTES): SeedColumns {
  const header = readLeadingRows(path, 64 << 10);
  const names = (parse(header.text, { bom: true, relax_column_count: true, to_line: 1 }) as string[][])[0] ?? [];
  const everyColumnDeclared = names.every((name) => overrides[name]);
  const sample = everyColumnDeclared ? header : readLeadingRows(path, sampleBytes);
  const records = everyColumnDeclared ? [names] : (parse(sample.text, { bom: true, relax_column_count: false }) as string[][]);
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
  return { names, types, sampledRows: rows.length, wholeFile: sample.wholeFile };
}
