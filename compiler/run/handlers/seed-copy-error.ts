import { StrataError } from '../../diagnostics/strata-error.js';
import type { SeedColumns } from './seed-types.js';

/**
 * A COPY error of a seed as a diagnostic at the file's line and column. Postgres names the line in the
 * error's context, `COPY rental__strata_tmp_x, line 1234567, column amount: "12,5"`, counting the header
 * as line 1 and each newline of a quoted value too, so it is the file's line; the column is the named
 * column's position in the header. Anything else is returned as it came.
 *
 * @example seedCopyError(error, 'seeds/rental.csv', columns)
 *   // StrataError STR411 at seeds/rental.csv:1234567:4 "value '12,5' does not fit column amount (numeric)"
 */
export function seedCopyError(error: unknown, file: string, columns: SeedColumns): unknown {
  const { where, message, code } = (error ?? {}) as { where?: unknown; message?: string; code?: string };
  if (typeof where !== 'string') return error;
  const match = /^COPY [^\n]*?, line (\d+)(?:, column ([^:\n]+))?(?:: "?(.*?)"?)?$/m.exec(where);
  if (!match) return error;
  const line = Number(match[1]);
  const columnName = match[2];
  const index = columnName ? columns.names.indexOf(columnName) : -1;
  const type = index >= 0 ? columns.types[index] : undefined;
  const what = columnName && type ? `value ${JSON.stringify(match[3] ?? '')} does not fit column ${columnName} (${type})` : `line ${line} cannot be loaded`;
  const inferred = type !== undefined && !columns.wholeFile;
  return new StrataError({
    code: 'STR411',
    message: `${what}: ${message ?? String(error)}${code ? ` (${code})` : ''}; the seed was not loaded, its previous table is unchanged`,
    file,
    line,
    column: index >= 0 ? index + 1 : undefined,
    hint: inferred
      ? `${columnName}'s type was inferred from the first ${columns.sampledRows.toLocaleString('en-US')} rows: fix the value, or declare the type, e.g. column_types: {${columnName}: text}`
      : columnName
        ? `fix the value, or declare the column's type in column_types, e.g. column_types: {${columnName}: text}`
        : 'every row must have the header\'s columns',
  });
}

/**
 * A CSV the seed's header and rows cannot be read from (csv-parse's errors while the types are inferred),
 * as a diagnostic at the file's line; anything else is returned as it came.
 *
 * @example seedCsvError(csvError, 'seeds/colors.csv')
 *   // StrataError STR411 at seeds/colors.csv:3 "row 2 has 3 values, the header 2 columns"
 */
export function seedCsvError(error: unknown, file: string): unknown {
  const { code, lines, message } = (error ?? {}) as { code?: unknown; lines?: unknown; message?: string };
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return error;
  const line = typeof lines === 'number' && lines > 0 ? lines : undefined;
  const counts = /expect (\d+), got (\d+)/.exec(message ?? '');
  return new StrataError({
    code: 'STR411',
    message: counts
      ? `a row has ${counts[2]} values, the header ${counts[1]} columns; the seed was not loaded, its previous table is unchanged`
      : `the CSV cannot be read: ${(message ?? code).replace(/ on line \d+$/, '')}; the seed was not loaded, its previous table is unchanged`,
    file,
    ...(line === undefined ? {} : { line }),
    hint: counts ? "every row must have the header's columns (quote a value that holds a comma)" : 'fix the CSV at this line',
  });
}

/** A seed file with no header row: there are no columns to make a table of. */
export function emptySeedError(file: string): StrataError {
  return new StrataError({ code: 'STR412', message: 'the seed file is empty: a seed needs a header row of column names', file, line: 1, hint: 'add a header row (e.g. id,name), or remove the file' });
}

/** A header with an empty or repeated column name: no table can have those columns. */
export function seedHeaderError(names: string[], file: string): StrataError | undefined {
  const empty = names.findIndex((name) => name.trim() === '');
  const repeated = names.findIndex((name, i) => names.indexOf(name) !== i);
  if (empty < 0 && repeated < 0) return undefined;
  const at = empty >= 0 ? empty : repeated;
  return new StrataError({
    code: 'STR413',
    message: empty >= 0 ? `column ${at + 1} of the header has no name` : `the header names column '${names[at]}' twice`,
    file,
    line: 1,
    column: at + 1,
    hint: 'every column of the header needs a name of its own',
  });
}
