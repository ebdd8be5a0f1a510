/**
 * The one interface both engines implement. PGlite and Postgres share every SQL statement; only the
 * driver differs. Callers never import a driver's types.
 */
export type { Relation } from '../sql/quote.js';
import type { Relation } from '../sql/quote.js';

export interface QueryField {
  name: string;
  /** Postgres type OID. */
  dataTypeID: number;
}

export interface QueryResult<Row = Record<string, unknown>> {
  rows: Row[];
  fields: QueryField[];
  /** Rows affected (INSERT/UPDATE/DELETE/CREATE TABLE AS/COPY), or the row count of a SELECT. */
  rowCount: number | null;
}

/** A column of a query's result as the server describes it, before anything runs. */
export interface DescribedColumn {
  name: string;
  /** Postgres type OID. */
  dataTypeID: number;
  /** The type modifier (`numeric(10,2)`, `varchar(20)`), -1 for none: `format_type(dataTypeID, typmod)`. */
  typmod: number;
}

/** What `Connection.describe(sql)` sends: the errors it raises carry positions in this text. */
export function describedQuery(sql: string): string {
  return `select * from (\n${sql}\n) as strata_describe limit 0`;
}

/** One session on the database: statements on it run in order, so transactions live on a Connection. */
export interface Connection {
  /** One statement, with `$1` parameters. Values never reach SQL text. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Several statements separated by `;`, no parameters (hooks, DDL scripts). */
  exec(sql: string): Promise<void>;
  /** `COPY relation (columns) FROM STDIN (FORMAT csv, HEADER true)` fed from a CSV file. Returns rows copied. */
  copyFromCsvFile(relation: Relation, columns: string[], csvPath: string): Promise<number>;
  /**
   * The result columns of `describedQuery(sql)`, neither run nor anything created for them: on PGlite
   * the statement is parsed and described (the extended protocol's Describe), on Postgres it runs
   * with `limit 0` (planned, no row read). Errors are the query's own (42703 for an unknown column...).
   */
  describe(sql: string): Promise<DescribedColumn[]>;
}

export interface AdapterInfo {
  type: 'pglite' | 'postgres';
  /** What to print in `strata debug`: a data directory, or a URL with the password masked. */
  location: string;
  serverVersion?: string;
}

export interface Adapter {
  readonly type: 'pglite' | 'postgres';
  /** Most statements that can run at once: 1 on PGlite, the pool size on Postgres. */
  readonly maxConcurrency: number;
  /** Runs `fn` on a connection of its own (taken from the pool, or the single PGlite session). */
  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T>;
  /** Shortcut: one statement on any free connection. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>>;
  /** Cancels the statements running now (used by --fail-fast); the connections stay usable. */
  cancelRunning(): Promise<void>;
  info(): Promise<AdapterInfo>;
  close(): Promise<void>;
}

// The stage's other entry points: the rest of the compiler imports from this file only.
export { openAdapter, prepareAdapter, type OpenAdapterOptions } from './open-adapter.js';
export { lockTarget, type HeldTargetLock, type TargetLockOptions } from './target-lock.js';
