/**
 * An adapter that adds up the time its statements take, so watch mode (and its benchmark) can tell
 * the database's share of a rebuild from the engine's.
 */
import type { Adapter, Connection } from '../adapters/adapter.js';

export interface TimedAdapter extends Adapter {
  /** Milliseconds spent in statements since the last `resetSqlTime()`. */
  readonly sqlMs: number;
  resetSqlTime(): void;
}

/**
 * @example
 *   const timed = timeStatements(await openAdapter(target));
 *   await runPlan(plan, { ...context, adapter: timed }, options);
 *   timed.sqlMs; // 41.7
 */
export function timeStatements(adapter: Adapter): TimedAdapter {
  let sqlMs = 0;
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      sqlMs += performance.now() - started;
    }
  };
  const wrap = (connection: Connection): Connection => ({
    query: (sql, params) => timed(() => connection.query(sql, params)),
    exec: (sql) => timed(() => connection.exec(sql)),
    describe: (sql) => timed(() => connection.describe(sql)),
    copyFromCsvFile: (relation, columns, csvPath) => timed(() => connection.copyFromCsvFile(relation, columns, csvPath)),
  });
  return {
    type: adapter.type,
    maxConcurrency: adapter.maxConcurrency,
    withConnection: (fn) => adapter.withConnection((connection) => fn(wrap(connection))),
    query: (sql, params) => timed(() => adapter.query(sql, params)),
    cancelRunning: () => adapter.cancelRunning(),
    info: () => adapter.info(),
    close: () => adapter.close(),
    get sqlMs() {
      return sqlMs;
    },
    resetSqlTime() {
      sqlMs = 0;
    },
  };
}
