/**
 * The first error wins: the error that aborted a transaction is reported with its SQLSTATE (not
 * `25P02 current transaction is aborted`), a transaction is rolled back once, lock timeouts and
 * deadlocks say so; a server lost in the middle of a build is one line, and the rest is skipped.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { databaseErrorDiagnostic, isConnectionLost } from '../../compiler/run/database-error.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, strata } from '../engine/cli.js';

describeEachEngine('the first error wins', (engine) => {
  it('a statement after a swallowed error reports that error, not 25P02', async () => {
    const adapter = await engine.sharedAdapter();
    const error = await adapter
      .withConnection(async (connection) => {
        await connection.exec('begin');
        await connection.query('select 1/0').catch(() => undefined);
        await connection.query('select 1');
      })
      .catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('22012');
    expect((error as Error).message).toMatch(/division by zero/);
    // The connection is usable again: the transaction was rolled back.
    expect((await adapter.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it.skipIf(engine.name !== 'postgres')('a failed callback that rolled back itself draws no "no transaction in progress" warning', async () => {
    const notices: string[] = [];
    const target = engine.makeTarget('public');
    const adapter: Adapter = await openAdapter(target, { onNotice: (m) => notices.push(m) });
    try {
      await adapter
        .withConnection(async (connection) => {
          await connection.exec('begin');
          await connection.query('select 1/0').catch(() => undefined);
          await connection.exec('rollback');
          throw new Error('failed after its own rollback');
        })
        .catch(() => undefined);
      await adapter.withConnection(async (connection) => {
        await connection.exec('begin');
        throw new Error('failed inside its transaction');
      }).catch(() => undefined);
      expect((await adapter.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect(notices.filter((n) => /no transaction in progress/.test(n))).toEqual([]);
    } finally {
      await adapter.close();
    }
  });

  it.skipIf(engine.name !== 'postgres')('a lock timeout inside a model is reported as 55P03 with a hint, once', async () => {
    const schema = uniqueSchema('locktimeout');
    const target = engine.makeTarget(schema);
    const dir = projectOn('safety', target, {
      'models/reader.sql': `{{ config(pre_hook="set local lock_timeout = '300ms'") }}\nselect * from {{ ref('base_ids') }}`,
    });
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);
    const holder = await openAdapter(engine.makeTarget('public'));
    try {
      await holder.withConnection(async (connection) => {
        await connection.exec(`begin; lock table ${quoteIdent(schema)}.base_ids in access exclusive mode`);
        try {
          const result = await strata(['run', '--project-dir', dir, '--select', 'reader']);
          expect(result.exitCode, result.output).toBe(1);
          expect(result.output).toMatch(/STR401\s+database error 55P03: canceling statement due to lock timeout/);
          expect(result.output).toMatch(/lock was not granted within lock_timeout/);
          expect(result.output).not.toMatch(/25P02|current transaction is aborted|no transaction in progress/);
          expect(runResults(dir).get('reader')?.status).toBe('error');
        } finally {
          await connection.exec('rollback');
        }
      });
    } finally {
      await holder.close();
    }
  });
});

describe('database error diagnostics', () => {
  it.each([
    ['55P03', /lock_timeout/],
    ['40P01', /deadlock/],
    ['57014', /cancelled/],
  ])('%s has a hint of its own', (code, hint) => {
    const error = Object.assign(new Error('boom'), { code });
    const diagnostic = databaseErrorDiagnostic(error, { file: 'models/x.sql' });
    expect(diagnostic.message).toBe(`database error ${code}: boom`);
    expect(diagnostic.hint).toMatch(hint);
  });

  it('knows a lost connection from a failed statement', () => {
    expect(isConnectionLost(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('division by zero'), { code: '22012' }))).toBe(false);
  });
});

describeEachEngine('a server lost in the middle of a build', (engine) => {
  it.skipIf(engine.name !== 'postgres')('one line for the cause, the rest skipped, exit 1', async () => {
    const schema = uniqueSchema('lost');
    const real = new URL(engine.makeTarget(schema).type === 'postgres' ? (engine.makeTarget(schema) as { url: string }).url : '');
    const proxy = await startProxy(real.hostname, Number(real.port));
    try {
      const viaProxy = new URL(real.href);
      viaProxy.port = String(proxy.port);
      const target = { ...engine.makeTarget(schema), url: viaProxy.href };
      const files: Record<string, string> = {};
      for (let i = 0; i < 3; i++) files[`models/slow_${i}.sql`] = `select id, pg_sleep(20) is null as slept from {{ ref('base_ids') }} where id = ${i + 1}`;
      for (let i = 0; i < 5; i++) files[`models/after_${i}.sql`] = `select * from {{ ref('slow_${i % 3}') }}`;
      const dir = projectOn('safety', target, files);
      const run = strata(['build', '--project-dir', dir, '--threads', '4']);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      proxy.cut();
      const result = await run;
      expect(result.exitCode, result.output).toBe(1);
      const causeLines = result.output.split('\n').filter((line) => /STR521|ECONNREFUSED|Connection terminated/.test(line));
      // The node's line and its line in the summary, for one node only.
      expect(new Set(causeLines.map((line) => /model \S+\.(\w+)|model (\w+):/.exec(line)?.slice(1).find(Boolean) ?? line)).size, result.output).toBeLessThanOrEqual(2);
      expect(result.output).toMatch(/error STR521\s+lost the connection to the database/);
      expect(result.output).not.toMatch(/see the compiled SQL/);
      const statuses = [...runResults(dir).values()].map((r) => r.status);
      expect(statuses.filter((s) => s === 'error')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'skipped').length).toBeGreaterThanOrEqual(7);
    } finally {
      proxy.close();
    }
  });
});

/** A TCP proxy to the test server that can drop every connection and refuse new ones at once. */
async function startProxy(host: string, port: number): Promise<{ port: number; cut(): void; close(): void }> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: proxyPort } = server.address() as net.AddressInfo;
  const cut = () => {
    open = false;
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return { port: proxyPort, cut, close: cut };
}
