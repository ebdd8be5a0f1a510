import type { QueryResult } from '../../adapters/adapter.js';
import { PyDateTime } from './python-datetime.js';
import { PyTimezone } from './python-timezones.js';

/**
 * dbt hands templates query results as agate tables: `table.rows`, `table.columns[0].values()`,
 * `table.columns['name']`, `table.column_names`, `for row in table`, `row.col`, `row[0]`. This is that
 * shape over plain arrays, so nunjucks can index and loop over it.
 */
export type ResultRow = Record<string, unknown> & { values(): unknown[]; keys(): string[]; items(): [string, unknown][] };

export interface ResultColumn {
  name: string;
  data_type: number;
  values(): unknown[];
  values_distinct(): unknown[];
  values_without_nulls(): unknown[];
}

export type ResultTable = ResultRow[] & {
  rows: ResultRow[];
  columns: ResultColumn[] & Record<string, ResultColumn>;
  column_names: string[];
  print_table(): string;
};

/** Methods put on an array instance, shadowing Array.prototype's (`values()` must return a list). */
function defineMethods(target: object, methods: Record<string, (...args: unknown[]) => unknown>): void {
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(target, name, { value: fn, enumerable: false, configurable: true, writable: true });
  }
}

/**
 * A `timestamptz` value as Python gives it to a dbt template: a UTC datetime that prints as
 * `2024-05-01 12:00:00+00:00` (a JavaScript Date would print `Wed May 01 2024 ...`).
 */
function fromDriver(value: unknown): unknown {
  return value instanceof Date ? PyDateTime.fromInstant(value.getTime() * 1000, PyTimezone.utc) : value;
}

/** Values as dbt's agate tables give them: numbers from `numeric` text, the rest as the driver gave. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value) && value.length < 17) return Number(value);
  return value;
}

const NUMERIC_OID = 1700;

export function resultTable(result: QueryResult): ResultTable {
  const names = result.fields.map((f) => f.name);
  const rows = result.rows.map((raw) => {
    const row: Record<string, unknown> = {};
    const values = names.map((name, i) => {
      const cell = (raw as Record<string, unknown>)[name];
      const value = result.fields[i]!.dataTypeID === NUMERIC_OID ? normalize(cell) : fromDriver(cell);
      row[name] = value;
      return value;
    });
    values.forEach((value, i) => {
      row[String(i)] = value;
    });
    defineMethods(row, {
      values: () => values.slice(),
      keys: () => names.slice(),
      items: () => names.map((n, i) => [n, values[i]]),
      get: (key: unknown, fallback?: unknown) => (Object.prototype.hasOwnProperty.call(row, String(key)) ? row[String(key)] : (fallback ?? null)),
    });
    return row as ResultRow;
  });
  const columns = names.map((name, i): ResultColumn => {
    const all = () => rows.map((row) => row[String(i)]);
    return {
      name,
      data_type: result.fields[i]!.dataTypeID,
      values: all,
      values_distinct: () => [...new Set(all())],
      values_without_nulls: () => all().filter((v) => v !== null && v !== undefined),
    };
  }) as ResultTable['columns'];
  columns.forEach((column) => {
    Object.defineProperty(columns, column.name, { value: column, enumerable: false, configurable: true });
  });
  defineMethods(columns, {
    keys: () => names.slice(),
    values: () => columns.slice(),
    items: () => columns.map((c) => [c.name, c]),
    get: (key: unknown, fallback?: unknown) => (columns as unknown as Record<string, unknown>)[String(key)] ?? fallback ?? null,
  });
  const table = rows.slice() as ResultTable;
  defineMethods(table, {
    print_table: () => '',
  });
  Object.defineProperty(table, 'rows', { value: rows, enumerable: false });
  Object.defineProperty(table, 'columns', { value: columns, enumerable: false });
  Object.defineProperty(table, 'column_names', { value: names, enumerable: false });
  return table;
}

/** `load_result('name')`: `{response, table, data}` as dbt's statement results. */
export function statementResult(result: QueryResult | undefined, fetch: boolean) {
  const table = result && fetch ? resultTable(result) : resultTable({ rows: [], fields: [], rowCount: 0 });
  const response = { code: 'SELECT', rows_affected: result?.rowCount ?? 0, _message: `SELECT ${result?.rowCount ?? 0}` };
  return {
    response,
    table,
    data: table.map((row) => row.values()),
    get(key: string, fallback?: unknown) {
      return (this as Record<string, unknown>)[key] ?? fallback ?? null;
    },
  };
}
