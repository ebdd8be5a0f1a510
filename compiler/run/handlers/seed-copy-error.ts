import { StrataError } from '../../diagnostics/strata-error.js';
import { lineOfRow } from './csv-rows.js';
import type { SeedColumns } from './seed-types.js';

/**
 * A COPY error of a seed as a diagnostic at the file's line and column. Postgres names the row in the
 * error's context, `COPY rental__strata_tmp_x, line 1234567, column amount: "12,5"`, counting the header
 * as line 1 and a quoted value spanning lines as one; the diagnostic gives the file's line, and the
 * column's position in the header. Anything else is returned as it came.
 *
 * @example seedCopyError(error, 'seeds/rental.csv', '/abs/seeds/rental.csv', columns)
 *   // StrataError STR411 at seeds/rental.csv:1234567:4 "value '12,5' does not fit column amount (numeric)"
 */
export function seedCopyError(error: unknown, file: string, absolutePath: string, columns: SeedColumns): unknown {
  const { where, message, code } = (error ?? {}) as { where?: unknown; message?: string; code?: string };
  if (typeof where !== 'string') return error;
  const match = /^COPY [^\n]*?, line (\d+)(?:, column ([^:\n]+))?(?:: "?(.*?)"?)?$/m.exec(where);
  if (!match) return error;
  const row = Number(match[1]);
  const columnName = match[2];
  const index = columnName ? columns.names.indexOf(columnName) : -1;
  const type = index >= 0 ? columns.types[index] : undefined;
  const what = columnName && type ? `value ${JSON.stringify(match[3] ?? '')} does not fit column ${columnName} (${type})` : `row ${row - 1} cannot be loaded`;
  const inferred = type !== undefined && !columns.wholeFile;
  return new StrataError({
    code: 'STR411',
    message: `${what}: ${message ?? String(error)}${code ? ` (${code})` : ''}; the seed was not loaded, its previous table is unchanged`,
    file,
    line: lineOfRow(absolutePath, row),
    column: index >= 0 ? index + 1 : undefined,
    hint: inferred
      ? `${columnName}'s type was inferred from the first ${columns.sampledRows.toLocaleString('en-US')} rows: fix the value, or declare the type, e.g. column_types: {${columnName}: text}`
      : columnName
        ? `fix the value, or declare the column's type in column_types, e.g. column_types: {${columnName}: text}`
        : 'every row must have the header\'s columns',
  });
}
