import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  LOCK_FILE_NAME,
  acquireDataDirLock,
  describeCommand,
  readLockOwner,
  type DataDirLock,
} from '../../compiler/adapters/pglite/data-dir-lock.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { compileForChild } from '../support/compile-for-child.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-lock-'));
let dirCounter = 0;
const newDir = (): string => path.join(root, `data-${++dirCounter}`);
const held: DataDirLock[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function acquire(dir: string, notices: string[] = []): DataDirLock {
  const lock = acquireDataDirLock(dir, { onNotice: (m) => notices.push(m), command: 'strata test' });
  held.push(lock);
  return lock;
}

function catchError(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
  throw new Error('expected a StrataError');
}

/** A pid that certainly belonged to a process and is now free. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (!pid) throw new Error('could not start node');
  return pid;
}

function writeLock(dir: string, owner: Record<string, unknown>): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify(owner));
}

describe('data directory lock, in one process', () => {
  it('writes the owner into strata.lock and removes it on release', () => {
    const dir = newDir();
    const lock = acquire(dir);
    expect(lock.file).toBe(path.join(dir, LOCK_FILE_NAME));
    expect(readLockOwner(dir)).toEqual({
      pid: process.pid,
      command: 'strata test',
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      hostname: os.hostname(),
    });
    lock.release();
    lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
    acquire(dir).release();
  });

  it('refuses a second lock of the same directory in the same process', () => {
    const dir = newDir();
    acquire(dir);
    const error = catchError(() => acquire(dir));
    expect(error.code).toBe('STR510');
    expect(error.message).toContain(`pid ${process.pid}`);
  });

  it('takes over a lock left by a dead pid, with a notice', () => {
    const dir = newDir();
    const pid = deadPid();
    writeLock(dir, { pid, command: 'strata build', startedAt: '2024-01-01T00:00:00.000Z', hostname: os.hostname() });
    const notices: string[] = [];
    acquire(dir, notices);
    expect(notices).toEqual([`took over a stale lock left by pid ${pid} (strata build)`]);
    expect(readLockOwner(dir)?.pid).toBe(process.pid);
  });

  it('takes over an unreadable lock file once it is old', () => {
    const dir = newDir();
    fs.mkdirSync(dir);
    const file = path.join(dir, LOCK_FILE_NAME);
    fs.writeFileSync(file, 'not json');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past);
    const notices: string[] = [];
    acquire(dir, notices);
    expect(notices).toHaveLength(1);
  });

  it('does not take over a lock of another host', () => {
    const dir = newDir();
    writeLock(dir, { pid: deadPid(), command: 'strata watch', startedAt: '', hostname: 'elsewhere.example' });
    const error = catchError(() => acquire(dir));
    expect(error.code).toBe('STR510');
    expect(error.message).toContain('on host elsewhere.example');
  });

  it('release leaves alone a lock file that is no longer its own', () => {
    const dir = newDir();
    const lock = acquire(dir);
    writeLock(dir, { pid: 1, command: 'someone else', startedAt: '', hostname: os.hostname() });
    lock.release();
    expect(readLockOwner(dir)?.command).toBe('someone else');
  });

  it.each([
    [['/usr/bin/node', '/home/me/app/bin/strata.js', 'build', '--select', 'gold'], 'strata build --select gold'],
    [['node', '/x/strata.mjs', 'run', '--url', 'postgres://u:secret@h/db'], 'strata run --url postgres://u:***@h/db'],
    [['node'], 'node'],
  ])('describes the command %j', (argv, text) => {
    expect(describeCommand(argv)).toBe(text);
  });
});

describe('data directory lock, across processes', () => {
  const compiled = compileForChild(['compiler/adapters/pglite/data-dir-lock.ts', 'compiler/diagnostics/strata-error.ts', 'compiler/diagnostics/mask-secrets.ts']);
  afterAll(() => fs.rmSync(compiled, { recursive: true, force: true }));
  const lockModule = path.join(compiled, 'compiler/adapters/pglite/data-dir-lock.js');
  const fixture = fileURLToPath(new URL('../fixtures/hold-lock.mjs', import.meta.url));

  interface Child {
    process: ChildProcess;
    lines: string[];
    /** Resolves with the first output line matching `pattern`. */
    waitFor(pattern: RegExp): Promise<string>;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  }

  function startChild(dir: string, mode: string, startAt?: number): Child {
    const args = [fixture, lockModule, dir, mode, ...(startAt ? [String(startAt)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts);
      for (const wake of waiters.splice(0)) wake();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => {
        for (const wake of waiters.splice(0)) wake();
        resolve({ code, signal });
      }),
    );
    const waitFor = async (pattern: RegExp): Promise<string> => {
      for (;;) {
        const line = lines.find((l) => pattern.test(l));
        if (line) return line;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`child exited without printing ${pattern}: ${lines.join(' | ')}`);
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    return { process: child, lines, waitFor, exited };
  }

  it('a live owner makes the lock fail with STR510 naming its pid and command', async () => {
    const dir = newDir();
    const child = startChild(dir, 'hold');
    await child.waitFor(/^locked/);
    const error = catchError(() => acquire(dir));
    expect(error.code).toBe('STR510');
    expect(error.message).toContain(`data directory ${dir} is in use by pid ${child.process.pid} (hold-lock ${lockModule}`);
    expect(error.diagnostics[0]?.hint).toBe(`wait for it to finish, or stop it (pid ${child.process.pid})`);
  });

  it.each([
    ['SIGTERM' as const],
    ['SIGINT' as const],
  ])('releases on %s and dies of that signal', async (signal) => {
    const dir = newDir();
    const child = startChild(dir, 'hold');
    await child.waitFor(/^locked/);
    child.process.kill(signal);
    expect(await child.exited).toEqual({ code: null, signal });
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('releases on process.exit() and on an uncaught error', async () => {
    const exitDir = newDir();
    const exiting = startChild(exitDir, 'exit');
    expect(await exiting.exited).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(exitDir, LOCK_FILE_NAME))).toBe(false);

    const throwDir = newDir();
    const throwing = startChild(throwDir, 'throw');
    expect(await throwing.exited).toEqual({ code: 1, signal: null });
    expect(fs.existsSync(path.join(throwDir, LOCK_FILE_NAME))).toBe(false);
  });

  it('keeps the lock while a SIGINT handler of the program is still working, releases at exit', async () => {
    const dir = newDir();
    const child = startChild(dir, 'own-sigint');
    await child.waitFor(/^locked/);
    child.process.kill('SIGINT');
    await child.waitFor(/^handling/);
    expect(readLockOwner(dir)?.pid).toBe(child.process.pid);
    expect(await child.exited).toEqual({ code: 3, signal: null });
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('a lock left by a killed process is taken over', async () => {
    const dir = newDir();
    const child = startChild(dir, 'hold');
    await child.waitFor(/^locked/);
    child.process.kill('SIGKILL');
    await child.exited;
    expect(readLockOwner(dir)?.pid).toBe(child.process.pid);
    const notices: string[] = [];
    acquire(dir, notices);
    expect(notices).toEqual([`took over a stale lock left by pid ${child.process.pid} (hold-lock ${lockModule} ${dir} hold)`]);
  });

  it('when several processes find the same stale lock, exactly one takes it', async () => {
    const dir = newDir();
    writeLock(dir, { pid: deadPid(), command: 'strata build', startedAt: '', hostname: os.hostname() });
    const startAt = Date.now() + 1500;
    const racers = [1, 2, 3, 4].map(() => startChild(dir, 'hold', startAt));
    const outcomes = await Promise.all(racers.map((racer) => racer.waitFor(/^(locked|busy)/)));
    const winners = outcomes.filter((line) => line.startsWith('locked'));
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((line) => line.startsWith('busy STR510'))).toHaveLength(3);
    expect(readLockOwner(dir)?.pid).toBe(Number(winners[0]!.split(' ')[1]));
  });
});
