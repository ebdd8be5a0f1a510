/**
 * The first error wins. Once a statement fails inside a transaction, every later statement but a
 * rollback fails with `25P02 current transaction is aborted`, which says nothing of the cause:
 *
 *   begin → lock timeout (55P03) ─▶ caught by a cleanup path → next statement: 25P02 → reported: 25P02
 *
 * A connection wrapped here throws the error that aborted the transaction instead of the 25P02.
 * Within an aborted transaction only a rollback (or commit, which rolls back) can succeed, so any
 * statement that succeeds ends the aborted state.
 */
import type { Connection, QueryResult, Relation } from './adapter.js';

const ABORTED = '25P02';

/**
 * @example const connection = firstErrorWins(postgresConnection(client));
 */
export function firstErrorWins(connection: Connection): Connection {
  let abortedBy: unknown;
  const run = async <T>(statement: () => Promise<T>): Promise<T> => {
    try {
      const result = await statement();
      abortedBy = undefined;
      return result;
    } catch (error) {
      if ((error as { code?: unknown })?.code === ABORTED && abortedBy !== undefined) throw copyOf(abortedBy);
      abortedBy = error;
      throw error;
    }
  };
  return {
    query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
      return run(() => connection.query<Row>(sql, params));
    },
    exec: (sql: string) => run(() => connection.exec(sql)),
    describe: (sql: string) => run(() => connection.describe(sql)),
    copyFromCsvFile: (relation: Relation, columns: string[], csvPath: string) => run(() => connection.copyFromCsvFile(relation, columns, csvPath)),
  };
}

/** A fresh object with the same fields, so that what a caller adds to it (the statement) stays its own. */
function copyOf(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as Error, error);
  Object.defineProperty(copy, 'message', { value: error.message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: error.stack, writable: true, configurable: true });
  return copy;
}
