import type { Connection, QueryResult } from '../../adapters/adapter.js';

/**
 * Templates render synchronously, but `run_query`, `statement` and `adapter.get_columns_in_relation`
 * need the database. A render that reaches a query it has no result for stops (it throws); the caller
 * runs that one statement, keeps its result, and renders again from the start. Templates are
 * deterministic given the same results, so each statement runs once, in the order the template asks
 * for it, and a side effect (`adapter.drop_relation`) is never repeated.
 *
 *   render 1: q1? ─ stop            run q1
 *   render 2: q1 ✓ → q2? ─ stop     run q2
 *   render 3: q1 ✓ → q2 ✓ → done
 */
export class ReplayDatabase {
  private readonly answers: { sql: string; result?: QueryResult; error?: unknown }[] = [];
  private cursor = 0;
  private changes = 0;
  /** The statement the last render stopped at, if it stopped for one. */
  pending: string | undefined;
  /** Statements run, in order (for target/run/). */
  readonly statements: string[] = [];

  /** The result of `sql`, asked for as the next statement of this render; stops the render when unknown. */
  query(sql: string): QueryResult {
    const index = this.cursor++;
    const answer = this.answers[index];
    if (answer && answer.sql === sql) {
      if (answer.error !== undefined) throw answer.error;
      return answer.result!;
    }
    // A render that asks for something else at this point than the last time: forget what followed.
    // A template that asks for a new statement every time (one built from the clock) would never end.
    if (answer && ++this.changes > MAX_CHANGED_STATEMENTS) {
      throw new Error(
        `the template asked for a different statement at each render (the last: ${sql.slice(0, 120)}): ` +
          'statements must depend only on the model and on earlier query results, not on the clock or randomness',
      );
    }
    this.answers.length = index;
    this.pending = sql;
    throw new QueryNeeded(sql);
  }

  /**
   * Renders with `render` until it no longer stops for a statement, running each statement it stops
   * at on `connection`. A failed statement is kept as the answer: the next render throws its error at
   * the call that asked for it.
   */
  async run<T>(connection: Connection, render: () => T): Promise<T> {
    for (;;) {
      this.cursor = 0;
      this.pending = undefined;
      try {
        return render();
      } catch (error) {
        const sql = this.pending;
        if (sql === undefined) throw error;
        this.statements.push(sql);
        try {
          this.answers.push({ sql, result: await connection.query(sql) });
        } catch (queryError) {
          this.answers.push({ sql, error: queryError });
        }
      }
    }
  }
}

const MAX_CHANGED_STATEMENTS = 20;

/** Thrown to stop a render at a statement it has no result for (see ReplayDatabase). */
export class QueryNeeded extends Error {
  constructor(readonly sql: string) {
    super('the template needs the database');
  }
}
