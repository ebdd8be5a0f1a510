/**
 * The replay that lets synchronous templates query the database: each statement a render asks for runs
 * once, in order, on the node's connection; a failed statement fails the call that asked for it.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { ReplayDatabase } from '../../compiler/render/dbt-context/replay-database.js';
import { describeEachEngine } from '../support/engines.js';

describeEachEngine('replayed template queries', (engine) => {
  let adapter: Adapter;
  beforeAll(async () => {
    adapter = await engine.sharedAdapter();
  });

  it('runs each statement once, in the order the render asks for them', async () => {
    const database = new ReplayDatabase();
    let renders = 0;
    const result = await adapter.withConnection((connection) =>
      database.run(connection, () => {
        renders++;
        const a = database.query('select 40 as n').rows[0]!.n as number;
        const b = database.query(`select ${a} + 2 as n`).rows[0]!.n as number;
        return b;
      }),
    );
    expect(result).toBe(42);
    expect(database.statements).toEqual(['select 40 as n', 'select 40 + 2 as n']);
    expect(renders).toBe(3);
  });

  it('a failing statement is thrown at the call that asked for it, once', async () => {
    const database = new ReplayDatabase();
    const failure = adapter.withConnection((connection) =>
      database.run(connection, () => database.query('select 1 / 0').rows),
    );
    await expect(failure).rejects.toThrow(/division by zero/);
    expect(database.statements).toEqual(['select 1 / 0']);
  });

  it('a template asking for a new statement at every render stops with an explanation', async () => {
    const database = new ReplayDatabase();
    let tick = 0;
    const endless = adapter.withConnection((connection) => database.run(connection, () => database.query(`select ${++tick} as now`).rows));
    await expect(endless).rejects.toThrow(/a different statement at each render/);
  });
});
