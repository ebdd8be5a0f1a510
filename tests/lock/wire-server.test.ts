/**
 * The owner's loopback server, in one process: an adapter opened on a data directory and `pg` clients
 * on the port its lock records. What matters is that a client never lands inside the owner's
 * transaction (nor the owner inside a client's) and never leaves one open behind it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { readLockOwner, type LockServer } from '../../compiler/adapters/pglite/data-dir-lock.js';
import { SessionQueue } from '../../compiler/adapters/pglite/session-queue.js';
import { copyPgliteTemplate } from '../support/pglite-template.js';
import '../support/provided-context.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-wire-'));
const dir = path.join(root, 'data');
let adapter: Adapter;
let server: LockServer;
const clients: pg.Client[] = [];

beforeAll(async () => {
  copyPgliteTemplate(inject('pgliteTemplateDir'), dir);
  adapter = await openAdapter({ type: 'pglite', name: 'test', schema: 'public', threads: 1, path: dir });
  const recorded = readLockOwner(dir)?.server;
  if (typeof recorded !== 'object') throw new Error('the lock records no server');
  server = recorded;
  await adapter.query('create table events (who text, at serial)');
});
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => {});
  await adapter.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function connect(password = server.password): Promise<pg.Client> {
  const client = new pg.Client({ host: server.host, port: server.port, user: 'strata', database: 'postgres', password });
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

/**
 * Resolves when a socket client's statement has reached the server and the server asks the owner's
 * session queue for its turn (what `SessionQueue.acquire` is for), or rejects after `timeoutMs`.
 */
function nextSessionRequest(timeoutMs = 10_000): Promise<void> {
  const acquire = SessionQueue.prototype.acquire;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      spy.mockRestore();
      reject(new Error(`no client asked for the session within ${timeoutMs} ms`));
    }, timeoutMs);
    const spy = vi.spyOn(SessionQueue.prototype, 'acquire').mockImplementation(function (this: SessionQueue) {
      clearTimeout(timer);
      spy.mockRestore();
      const turn = acquire.call(this);
      resolve();
      return turn;
    });
  });
}

describe("the owner's loopback server", () => {
  it('runs simple and extended queries, with parameters and errors', async () => {
    const client = await connect();
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
    expect((await client.query('select $1::int + 1 as n', [41])).rows).toEqual([{ n: 42 }]);
    await expect(client.query('select 1/0')).rejects.toMatchObject({ code: '22012' });
    expect((await client.query("select current_setting('server_version') as v")).rows[0].v).toMatch(/^\d+/);
  });

  it('refuses a wrong password', async () => {
    await expect(connect('wrong')).rejects.toMatchObject({ code: '28P01' });
  });

  it("a client's transaction and the owner's never interleave", async () => {
    const client = await connect();
    await client.query('begin');
    await client.query("insert into events (who) values ('client 1')");
    // The owner's unit of work waits until the client's transaction ends: queued now, it has not run
    // when the client's next statement (a round trip through the socket) comes back...
    let ownerRan = false;
    const owner = adapter.withConnection(async (connection) => {
      ownerRan = true;
      await connection.query("insert into events (who) values ('owner')");
    });
    await client.query("insert into events (who) values ('client 2')");
    expect(ownerRan).toBe(false);
    await client.query('commit');
    await owner;
    // ...and a client statement that reaches the server during the owner's transaction runs after it.
    let clientDone: Promise<unknown> | undefined;
    await adapter.withConnection(async (connection) => {
      await connection.query('begin');
      await connection.query("insert into events (who) values ('owner tx 1')");
      const clientWaits = nextSessionRequest();
      clientDone = client.query("insert into events (who) values ('client 3')");
      await clientWaits;
      await connection.query("insert into events (who) values ('owner tx 2')");
      await connection.query('commit');
    });
    await clientDone;
    const order = await adapter.query<{ who: string }>('select who from events order by at');
    expect(order.rows.map((r) => r.who)).toEqual(['client 1', 'client 2', 'owner', 'owner tx 1', 'owner tx 2', 'client 3']);
  });

  it('a client that leaves inside a transaction is rolled back, and the owner goes on', async () => {
    const client = await connect();
    await client.query('begin');
    await client.query('create table left_behind (a int)');
    await client.end();
    const found = await adapter.query<{ n: number }>("select count(*)::int as n from pg_tables where tablename = 'left_behind'");
    expect(found.rows).toEqual([{ n: 0 }]);
    expect((await adapter.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });
});
