import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { LOCK_FILE_NAME } from '../../compiler/adapters/pglite/data-dir-lock.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import type { PgliteTarget } from '../../compiler/project/target.js';
import { compileForChild } from '../support/compile-for-child.js';
import { testPostgresUrl } from '../support/engines.js';
import { copyPgliteTemplate } from '../support/pglite-template.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-open-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function pgliteTarget(dir: string): PgliteTarget {
  return { type: 'pglite', name: 'test', schema: 'public', threads: 1, path: dir };
}

async function rejection(promise: Promise<unknown>): Promise<StrataError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StrataError);
  return error as StrataError;
}

describe('opening a PGlite data directory', () => {
  it('refuses a directory this process has open, and reopens after close', async () => {
    const dir = path.join(root, 'twice');
    copyPgliteTemplate(inject('pgliteTemplateDir'), dir);
    const first = await openAdapter(pgliteTarget(dir));
    const error = await rejection(openAdapter(pgliteTarget(dir)));
    expect(error.code).toBe('STR510');
    expect(error.message).toContain(`pid ${process.pid}`);
    await first.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
    const again = await openAdapter(pgliteTarget(dir));
    expect((await again.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await again.close();
  });

  it('refuses a directory another process owns, without touching it', async () => {
    const compiled = compileForChild(['compiler/adapters/pglite/data-dir-lock.ts', 'compiler/diagnostics/strata-error.ts', 'compiler/diagnostics/mask-secrets.ts']);
    const dir = path.join(root, 'owned');
    const fixture = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));
    const child = spawn(process.execPath, [fixture, path.join(compiled, 'compiler/adapters/pglite/data-dir-lock.js'), dir, 'hold']);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => (chunk.toString().startsWith('locked') ? resolve() : undefined));
        child.on('exit', () => reject(new Error('the lock holder exited')));
      });
      const error = await rejection(openAdapter(pgliteTarget(dir)));
      expect(error.code).toBe('STR510');
      expect(error.message).toContain(`is in use by pid ${child.pid} (hold-lock`);
      expect(error.diagnostics[0]?.hint).toBe(`wait for it to finish, or stop it (pid ${child.pid})`);
      // PGlite never ran: no cluster was created next to the lock.
      expect(fs.readdirSync(dir)).toEqual([LOCK_FILE_NAME]);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(compiled, { recursive: true, force: true });
    }
  });

  it('takes over a stale lock and says so', async () => {
    const dir = path.join(root, 'stale');
    copyPgliteTemplate(inject('pgliteTemplateDir'), dir);
    const pid = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(
      path.join(dir, LOCK_FILE_NAME),
      JSON.stringify({ pid, command: 'strata build', startedAt: '2024-01-01T00:00:00.000Z', hostname: os.hostname() }),
    );
    const notices: string[] = [];
    const adapter = await openAdapter(pgliteTarget(dir), { onNotice: (message) => notices.push(message) });
    try {
      expect(notices).toEqual([`took over a stale lock left by pid ${pid} (strata build)`]);
      expect((await adapter.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await adapter.close();
    }
  });
});

describe('connecting to Postgres', () => {
  it('a refused connection is STR520 with the password masked', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const error = await rejection(
      openAdapter({ type: 'postgres', name: 'prod', schema: 'x', threads: 2, url: `postgres://app:s3cret@127.0.0.1:${port}/db` }),
    );
    expect(error.code).toBe('STR520');
    expect(error.message).toContain(`postgres://app:***@127.0.0.1:${port}/db`);
    expect(error.message).not.toContain('s3cret');
    expect(error.diagnostics[0]?.hint).toMatch(/server running/);
  });

  it.skipIf(!testPostgresUrl())('a missing database is STR520 with a hint', async () => {
    const url = new URL(testPostgresUrl()!);
    url.pathname = '/no_such_database_here';
    url.password = 'pw';
    const error = await rejection(openAdapter({ type: 'postgres', name: 't', schema: 'x', threads: 1, url: url.href }));
    expect(error.code).toBe('STR520');
    expect(error.message).not.toContain(':pw@');
    expect(error.diagnostics[0]?.hint).toMatch(/database does not exist/);
  });

  it.skipIf(!testPostgresUrl())('connects with separate host/port/user/database fields and masks the password', async () => {
    const url = new URL(testPostgresUrl()!);
    const adapter = await openAdapter({
      type: 'postgres',
      name: 't',
      schema: 'x',
      threads: 1,
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: 'ignored-by-trust',
      database: url.pathname.slice(1),
    });
    try {
      const info = await adapter.info();
      expect(info.location).toBe(`postgres://${url.username}:***@${url.hostname}:${url.port}${url.pathname}`);
      const app = await adapter.query<{ name: string }>('SELECT current_setting($1) AS name', ['application_name']);
      expect(app.rows[0]?.name).toBe('strata');
    } finally {
      await adapter.close();
    }
  });
});
