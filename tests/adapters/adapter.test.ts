import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent, quoteLiteral, quoteRelation } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';

const csvDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-csv-'));
afterAll(() => fs.rmSync(csvDir, { recursive: true, force: true }));

function writeCsv(name: string, text: string): string {
  const file = path.join(csvDir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Runs `sql` and returns when it started and ended (ms since epoch). */
async function timed(adapter: Adapter, sql: string): Promise<{ start: number; end: number }> {
  return adapter.withConnection(async (connection) => {
    const start = Date.now();
    await connection.query(sql);
    return { start, end: Date.now() };
  });
}

describeEachEngine('adapter', (engine) => {
  let adapter: Adapter;
  let schema: string;

  beforeAll(async () => {
    adapter = await engine.sharedAdapter();
    schema = uniqueSchema('adapter');
    await adapter.withConnection((c) => c.exec(`CREATE SCHEMA ${quoteIdent(schema)}`));
  });

  it('runs a query with parameters', async () => {
    const result = await adapter.query<{ n: number; s: string; missing: null }>(
      'SELECT $1::int + 1 AS n, $2::text AS s, $3::text AS missing',
      [41, "it's", null],
    );
    expect(result.rows).toEqual([{ n: 42, s: "it's", missing: null }]);
    expect(result.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['n', 23], ['s', 25], ['missing', 25]]);
    expect(result.rowCount).toBe(1);
  });

  it('parses int8 to a number when exact, keeps numeric and large int8 as strings', async () => {
    const result = await adapter.query(
      `SELECT 42::int8 AS small, 9007199254740993::int8 AS large, count(*) AS counted, 1.50::numeric AS price, 1.5::float8 AS ratio`,
    );
    expect(result.rows[0]).toEqual({ small: 42, large: '9007199254740993', counted: 1, price: '1.50', ratio: 1.5 });
  });

  it('reports affected rows for DML, CREATE TABLE AS and SELECT, none for DDL', async () => {
    const t = quoteRelation({ schema, identifier: 'counts' });
    await adapter.withConnection(async (c) => {
      expect((await c.query(`CREATE TABLE ${t} (a int)`)).rowCount).toBeNull();
      expect((await c.query(`INSERT INTO ${t} SELECT generate_series(1, 5)`)).rowCount).toBe(5);
      expect((await c.query(`UPDATE ${t} SET a = a + 1 WHERE a <= 2`)).rowCount).toBe(2);
      expect((await c.query(`CREATE TABLE ${quoteRelation({ schema, identifier: 'counts_copy' })} AS SELECT * FROM ${t}`)).rowCount).toBe(5);
      expect((await c.query(`SELECT * FROM ${t} WHERE a > 3`)).rowCount).toBe(2);
      expect((await c.query(`DELETE FROM ${t}`)).rowCount).toBe(5);
    });
  });

  it('exec runs several statements; query refuses more than one', async () => {
    const t = quoteRelation({ schema, identifier: 'multi' });
    await adapter.withConnection((c) =>
      c.exec(`CREATE TABLE ${t} (id int, name text); INSERT INTO ${t} VALUES (1, 'a'); INSERT INTO ${t} VALUES (2, ${quoteLiteral("b'c")});`),
    );
    expect((await adapter.query(`SELECT name FROM ${t} ORDER BY id`)).rows).toEqual([{ name: 'a' }, { name: "b'c" }]);
    await expect(adapter.query('SELECT 1; SELECT 2')).rejects.toThrow(/multiple commands/);
  });

  it('describes a query without running it or creating anything, types and modifiers included', async () => {
    const sql = `select 1.5::numeric(10,2) as price, 'x'::varchar(20) as code, now() as at, null as nothing, 1 / (select 0) as never`;
    const catalog = 'select count(*)::int as n from pg_class';
    await adapter.withConnection(async (c) => {
      const before = (await c.query<{ n: number }>(catalog)).rows[0]!.n;
      const described = await c.describe(sql);
      expect(described.map((d) => d.name)).toEqual(['price', 'code', 'at', 'nothing', 'never']);
      const types = await c.query<{ type: string }>(
        'select format_type(t, m) as type from unnest($1::oid[], $2::int4[]) with ordinality as x(t, m, n) order by n',
        [described.map((d) => d.dataTypeID), described.map((d) => d.typmod)],
      );
      expect(types.rows.map((r) => r.type)).toEqual(['numeric(10,2)', 'character varying(20)', 'timestamp with time zone', 'text', 'integer']);
      expect((await c.query<{ n: number }>(catalog)).rows[0]!.n).toBe(before);
    });
  });

  it("describe raises the query's own error and leaves the connection usable, inside a transaction too", async () => {
    await adapter.withConnection(async (c) => {
      await expect(c.describe('select no_such_column from pg_class')).rejects.toMatchObject({ code: '42703' });
      await c.exec('begin');
      expect((await c.describe('select 1 as one')).map((d) => d.name)).toEqual(['one']);
      expect((await c.query('select 2 as two')).rows).toEqual([{ two: 2 }]);
      await c.exec('commit');
      expect((await c.describe('select from pg_class')).length).toBe(0);
    });
  });

  it('keeps identifiers exactly as written', async () => {
    const odd = { schema, identifier: 'Odd "Name" select' };
    await adapter.withConnection(async (c) => {
      await c.exec(`CREATE TABLE ${quoteRelation(odd)} (${quoteIdent('Mixed Case')} int)`);
      await c.query(`INSERT INTO ${quoteRelation(odd)} VALUES ($1)`, [7]);
    });
    expect((await adapter.query(`SELECT * FROM ${quoteRelation(odd)}`)).rows).toEqual([{ 'Mixed Case': 7 }]);
  });

  describe('transactions on withConnection', () => {
    /** A table of its own for each test, holding `ids`. */
    async function txTable(name: string, ids: number[] = []): Promise<string> {
      const t = quoteRelation({ schema, identifier: name });
      await adapter.withConnection((c) => c.exec(`CREATE TABLE ${t} (id int);${ids.map((id) => ` INSERT INTO ${t} VALUES (${id});`).join('')}`));
      return t;
    }
    const ids = async (t: string) => (await adapter.query<{ id: number }>(`SELECT id FROM ${t} ORDER BY id`)).rows;

    it('commits', async () => {
      const t = await txTable('tx_commits');
      await adapter.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${t} VALUES (1)`);
        await c.query('COMMIT');
      });
      expect(await ids(t)).toEqual([{ id: 1 }]);
    });

    it('rolls back', async () => {
      const t = await txTable('tx_rolls_back', [1]);
      await adapter.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${t} VALUES (2)`);
        await c.query('ROLLBACK');
      });
      expect(await ids(t)).toEqual([{ id: 1 }]);
    });

    it('rolls back what a failing caller left open', async () => {
      const t = await txTable('tx_left_open', [1]);
      await expect(
        adapter.withConnection(async (c) => {
          await c.query('BEGIN');
          await c.query(`INSERT INTO ${t} VALUES (3)`);
          throw new Error('caller failed');
        }),
      ).rejects.toThrow('caller failed');
      expect(await ids(t)).toEqual([{ id: 1 }]);
      // And no transaction is left open: the next caller's BEGIN does not warn/err and commits.
      await adapter.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${t} VALUES (4)`);
        await c.query('COMMIT');
      });
      expect(await ids(t)).toEqual([{ id: 1 }, { id: 4 }]);
    });

    it('never interleaves another caller inside a transaction', async () => {
      const t = await txTable('tx_interleave');
      const seen: string[] = [];
      let inTransaction!: () => void;
      const entered = new Promise<void>((resolve) => (inTransaction = resolve));
      let otherRan!: () => void;
      const otherDone = new Promise<void>((resolve) => (otherRan = resolve));
      const first = adapter.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${t} VALUES (10)`);
        inTransaction();
        // Postgres: the other caller has a connection of its own and runs now, outside this transaction.
        // PGlite: it waits for this caller to finish, so this transaction's next statement comes first.
        if (adapter.maxConcurrency > 1) await otherDone;
        else await c.query('SELECT 1');
        seen.push('rollback');
        await c.query('ROLLBACK');
      });
      await entered;
      const other = adapter.withConnection(async (c) => {
        const rows = (await c.query<{ id: number }>(`SELECT id FROM ${t} WHERE id = 10`)).rows;
        seen.push(rows.length === 0 ? 'invisible' : 'visible');
        otherRan();
      });
      await Promise.all([first, other]);
      expect(seen).toEqual(adapter.maxConcurrency > 1 ? ['invisible', 'rollback'] : ['rollback', 'invisible']);
    });
  });

  it('copies a CSV file with a header, quoted fields and NULLs', async () => {
    const relation = { schema, identifier: 'seed_people' };
    await adapter.withConnection((c) =>
      c.exec(`CREATE TABLE ${quoteRelation(relation)} (id int, name text, note text, amount numeric)`),
    );
    const csv = writeCsv(
      'people.csv',
      [
        'id,name,note,amount',
        '1,"Smith, Anna","said ""hi""",1.50',
        '2,Bob,,2',
        '3,"Ünïcode",""," 3"',
        '4,"multi',
        'line",plain,',
      ].join('\n') + '\n',
    );
    const copied = await adapter.withConnection((c) => c.copyFromCsvFile(relation, ['id', 'name', 'note', 'amount'], csv));
    expect(copied).toBe(4);
    const rows = (await adapter.query(`SELECT * FROM ${quoteRelation(relation)} ORDER BY id`)).rows;
    expect(rows).toEqual([
      { id: 1, name: 'Smith, Anna', note: 'said "hi"', amount: '1.50' },
      { id: 2, name: 'Bob', note: null, amount: '2' },
      { id: 3, name: 'Ünïcode', note: '', amount: '3' },
      { id: 4, name: 'multi\nline', note: 'plain', amount: null },
    ]);
  });

  it('copies into a subset of columns in the CSV order', async () => {
    const relation = { schema, identifier: 'seed_subset' };
    await adapter.withConnection((c) =>
      c.exec(`CREATE TABLE ${quoteRelation(relation)} (id int, label text, extra text DEFAULT 'd')`),
    );
    const csv = writeCsv('subset.csv', 'label,id\nx,1\ny,2\n');
    expect(await adapter.withConnection((c) => c.copyFromCsvFile(relation, ['label', 'id'], csv))).toBe(2);
    expect((await adapter.query(`SELECT * FROM ${quoteRelation(relation)} ORDER BY id`)).rows).toEqual([
      { id: 1, label: 'x', extra: 'd' },
      { id: 2, label: 'y', extra: 'd' },
    ]);
  });

  it('reports a bad CSV row as an SQL error and stays usable', async () => {
    const relation = { schema, identifier: 'seed_bad' };
    await adapter.withConnection((c) => c.exec(`CREATE TABLE ${quoteRelation(relation)} (id int)`));
    const csv = writeCsv('bad.csv', 'id\n1\nnot-a-number\n');
    await expect(adapter.withConnection((c) => c.copyFromCsvFile(relation, ['id'], csv))).rejects.toThrow(/invalid input syntax/);
    expect((await adapter.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('describes itself', async () => {
    const info = await adapter.info();
    expect(info.type).toBe(engine.name);
    expect(info.serverVersion).toMatch(/^\d+/);
    if (engine.name === 'pglite') expect(path.isAbsolute(info.location)).toBe(true);
    else expect(info.location).toMatch(/^postgres(ql)?:\/\//);
  });

  if (engine.name === 'postgres') {
    it('runs callers on separate connections at the same time', async () => {
      expect(adapter.maxConcurrency).toBeGreaterThan(1);
      const [a, b] = await Promise.all([timed(adapter, 'SELECT pg_sleep(0.3)'), timed(adapter, 'SELECT pg_sleep(0.3)')]);
      // The two sleeps overlap in time.
      expect(Math.max(a.start, b.start)).toBeLessThan(Math.min(a.end, b.end));
    });

    it('cancels a running statement and stays usable', async () => {
      const started = Date.now();
      const sleeping = adapter.query('SELECT pg_sleep(10)');
      sleeping.catch(() => {});
      // Wait until the statement is really running on the server.
      for (let i = 0; i < 100; i++) {
        const running = await adapter.query(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND state = 'active'`,
        );
        if (running.rows[0]?.n === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await adapter.cancelRunning();
      await expect(sleeping).rejects.toMatchObject({ code: '57014' });
      expect(Date.now() - started).toBeLessThan(5000);
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => adapter.query<{ n: number }>('SELECT $1::int AS n', [n])));
      expect(results.map((r) => r.rows[0]?.n)).toEqual([1, 2, 3, 4, 5]);
    });
  } else {
    it('runs callers one after the other', async () => {
      expect(adapter.maxConcurrency).toBe(1);
      const [a, b] = await Promise.all([timed(adapter, 'SELECT pg_sleep(0.3)'), timed(adapter, 'SELECT pg_sleep(0.3)')]);
      const [first, second] = a.start <= b.start ? [a, b] : [b, a];
      expect(second.start).toBeGreaterThanOrEqual(first.end);
    });

    it('refuses a nested withConnection instead of waiting for itself', async () => {
      await expect(adapter.withConnection(() => adapter.query('SELECT 1'))).rejects.toThrow(/inside withConnection/);
      expect((await adapter.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    });

    it('starts a small data directory with 16MB of shared buffers (see startup-profile.ts)', async () => {
      expect((await adapter.query("SELECT current_setting('shared_buffers') AS sb")).rows).toEqual([{ sb: '16MB' }]);
    });

    it('cancelRunning resolves (PGlite cannot interrupt a statement)', async () => {
      await expect(adapter.cancelRunning()).resolves.toBeUndefined();
    });
  }
});
