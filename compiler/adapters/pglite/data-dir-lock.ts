/**
 * Ownership of a PGlite data directory. PGlite itself lets two processes open the same directory and
 * both write to it, which corrupts it; so the process that opens a data directory first takes this lock,
 * a file `strata.lock` inside the directory holding the owner's pid, command line, start time and host.
 *
 * - Creating the file uses the `wx` flag: the operating system guarantees that only one process
 *   creates it.
 * - The lock is released on every way out of the process: `release()`, the `exit` event (a normal end,
 *   `process.exit()`, an uncaught error), SIGINT/SIGTERM/SIGHUP when nothing else handles them. Only
 *   SIGKILL or a crash of the machine leave it behind, and then the next process takes it over.
 * - A lock whose pid is dead is stale and is taken over, with a notice.
 * - The owner may serve its database to other Strata processes (see wire-server.ts): the lock then
 *   says `"server": "starting"` until the server listens, and then where it listens. The file is
 *   rewritten by a rename, so a reader sees the old content or the new, never half of it.
 *
 * This module does not import PGlite: the lock is taken before any PGlite file is touched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StrataError, maskSecrets } from '../../diagnostics/strata-error.js';

export const LOCK_FILE_NAME = 'strata.lock';

/** What the lock file holds (as JSON). */
export interface LockOwner {
  pid: number;
  /** The command line, shortened: `strata build --select gold`. */
  command: string;
  /** ISO timestamp. */
  startedAt: string;
  hostname: string;
  /** Where the owner serves its database to other Strata processes, or `starting` until it does. */
  server?: LockServer | 'starting';
}

/** The owner's loopback Postgres-wire server. The password keeps out who cannot read the data directory. */
export interface LockServer {
  host: string;
  port: number;
  password: string;
}

export interface DataDirLock {
  readonly dir: string;
  /** Absolute path of the lock file. */
  readonly file: string;
  readonly owner: LockOwner;
  /** Records in the lock file where the owner serves its database (undefined: it does not). */
  recordServer(server: LockServer | undefined): void;
  /** Removes the lock file if it is still ours. Synchronous and idempotent. */
  release(): void;
}

export interface AcquireLockOptions {
  /** Receives one line when a stale lock is taken over. */
  onNotice?: (message: string) => void;
  /** Overrides the command recorded in the lock file (default: from `process.argv`). */
  command?: string;
  /** The owner will serve its database: the lock says `"server": "starting"` until recordServer. */
  serving?: boolean;
}

/** Locks held by this process: lock file path → release function. */
const heldLocks = new Map<string, () => void>();

/**
 * Takes the lock of `dir` (created if missing) or throws `STR510` naming the live owner.
 *
 * @example
 *   const lock = acquireDataDirLock('/home/me/project/.strata/dev', { onNotice: console.error });
 *   try { ...open PGlite... } finally { lock.release(); }
 */
export function acquireDataDirLock(dir: string, options: AcquireLockOptions = {}): DataDirLock {
  const absoluteDir = path.resolve(dir);
  const file = path.join(absoluteDir, LOCK_FILE_NAME);
  const owner: LockOwner = {
    pid: process.pid,
    command: options.command ?? describeCommand(process.argv),
    startedAt: new Date().toISOString(),
    hostname: os.hostname(),
    ...(options.serving ? { server: 'starting' as const } : {}),
  };
  if (heldLocks.has(file)) {
    throw busyError(absoluteDir, owner, 'this process already has it open; close it before opening it again');
  }
  fs.mkdirSync(absoluteDir, { recursive: true });
  const text = `${JSON.stringify(owner)}\n`;

  let tookOverFrom: LockOwner | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (createExclusive(file, text)) {
      const lock = registerLock(absoluteDir, file, owner, text);
      if (tookOverFrom) {
        options.onNotice?.(`took over a stale lock left by pid ${tookOverFrom.pid} (${tookOverFrom.command})`);
      }
      return lock;
    }
    const existing = readLockFile(file);
    if (existing === undefined) continue; // released between our create and our read
    if (existing.owner === undefined) {
      // Created but not yet written by its owner (a window of microseconds), or garbage.
      if (fileAgeMs(file) < 2000) {
        sleepSync(10);
        continue;
      }
    } else if (isOwnerAlive(existing.owner, file)) {
      const serving = typeof existing.owner.server === 'object' && existing.owner.hostname === os.hostname();
      throw busyError(
        absoluteDir,
        existing.owner,
        serving ? `wait for it to finish, or stop it (pid ${existing.owner.pid}); strata show and strata debug can use its database meanwhile` : undefined,
      );
    }
    const stale = existing.owner ?? { pid: 0, command: 'unknown command', startedAt: '', hostname: owner.hostname };
    if (removeIfUnchanged(file, existing.raw)) tookOverFrom = stale;
  }
  throw new StrataError({
    code: 'STR510',
    message: `could not take the lock of data directory ${absoluteDir}: other processes keep taking it`,
    hint: `check which processes use ${file}`,
  });
}

/** `node /x/bin/strata.js build --select gold` → `strata build --select gold` (secrets masked, 200 chars at most). */
export function describeCommand(argv: readonly string[]): string {
  const [, script, ...rest] = argv;
  const name = script ? path.basename(script).replace(/\.(c|m)?(j|t)s$/, '') : path.basename(argv[0] ?? 'node');
  const text = maskSecrets([name, ...rest].join(' '));
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Reads the owner of a data directory's lock, if any (for `strata debug` and error messages). */
export function readLockOwner(dir: string): LockOwner | undefined {
  return readLockFile(path.join(path.resolve(dir), LOCK_FILE_NAME))?.owner;
}

/**
 * The owner of a data directory's lock if it is another process, alive, on this machine: one whose
 * server (if it records one) a second process can reach. Undefined when the lock is free, stale, held
 * by this process, or held on another host.
 */
export function readLiveOwner(dir: string): LockOwner | undefined {
  const file = path.join(path.resolve(dir), LOCK_FILE_NAME);
  const owner = readLockFile(file)?.owner;
  if (!owner || owner.pid === process.pid || (owner.hostname && owner.hostname !== os.hostname())) return undefined;
  return isOwnerAlive(owner, file) ? owner : undefined;
}

/** The error of a second process that needs the directory while `owner` has it (exit code 2). */
export function dataDirBusyError(dir: string, owner: LockOwner, hint?: string): StrataError {
  return busyError(path.resolve(dir), owner, hint);
}

function createExclusive(file: string, text: string): boolean {
  try {
    fs.writeFileSync(file, text, { flag: 'wx' });
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw new StrataError({
      code: 'STR511',
      message: `cannot create the lock file ${file}: ${(error as Error).message}`,
      hint: 'check that the data directory is writable',
    });
  }
}

function readLockFile(file: string): { raw: string; owner: LockOwner | undefined } | undefined {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return {
        raw,
        owner: {
          pid: parsed.pid,
          command: typeof parsed.command === 'string' ? parsed.command : 'unknown command',
          startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
          hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
          ...parseServer(parsed.server),
        },
      };
    }
  } catch {
    // fall through: unreadable content
  }
  return { raw, owner: undefined };
}

function parseServer(value: unknown): Pick<LockOwner, 'server'> {
  if (value === 'starting') return { server: 'starting' };
  const server = value as Partial<LockServer> | null | undefined;
  if (typeof server?.host === 'string' && Number.isInteger(server.port) && typeof server.password === 'string') {
    return { server: { host: server.host, port: server.port!, password: server.password } };
  }
  return {};
}

function isOwnerAlive(owner: LockOwner, file: string): boolean {
  // A pid on another machine (a data directory on a network share) cannot be checked: assume alive.
  if (owner.hostname && owner.hostname !== os.hostname()) return true;
  // Our own pid but not in heldLocks: a previous process had the same pid (common in containers).
  if (owner.pid === process.pid) return heldLocks.has(file);
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH'; // EPERM: alive, owned by another user
  }
}

/**
 * Deletes a stale lock file, but only if it still holds `staleText`.
 *
 * Why a guard file: reading the stale lock and deleting it are two steps. Without the guard:
 *   A reads stale lock S      B reads stale lock S
 *   A deletes S, creates LA
 *                             B deletes LA (thinking it is S), creates LB   → two owners
 * With the guard, the check "is it still S?" and the delete happen while holding `strata.lock.takeover`,
 * so B finds LA instead of S and leaves it alone. Creating a lock (wx) needs no guard.
 */
function removeIfUnchanged(file: string, staleText: string): boolean {
  const guard = `${file}.takeover`;
  const deadline = Date.now() + 10_000;
  while (!createExclusive(guard, `${process.pid}\n`)) {
    // A guard is held for microseconds; one older than 5 s was left by a process killed while holding it.
    if (fileAgeMs(guard) > 5000) fs.rmSync(guard, { force: true });
    else if (Date.now() > deadline) return false;
    else sleepSync(5);
  }
  try {
    const current = readLockFile(file);
    if (current?.raw !== staleText) return false;
    fs.unlinkSync(file);
    return true;
  } finally {
    fs.rmSync(guard, { force: true });
  }
}

function registerLock(dir: string, file: string, initialOwner: LockOwner, initialText: string): DataDirLock {
  let released = false;
  let owner = initialOwner;
  let text = initialText;
  const recordServer = (server: LockServer | undefined): void => {
    if (released) return;
    const { server: _previous, ...rest } = owner;
    const next: LockOwner = server ? { ...rest, server } : rest;
    const nextText = `${JSON.stringify(next)}\n`;
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, nextText);
    fs.renameSync(temporary, file);
    owner = next;
    text = nextText;
  };
  const release = (): void => {
    if (released) return;
    released = true;
    heldLocks.delete(file);
    if (heldLocks.size === 0) uninstallProcessHandlers();
    try {
      if (fs.readFileSync(file, 'utf8') === text) fs.unlinkSync(file);
    } catch {
      // already gone (directory deleted): nothing to release
    }
  };
  heldLocks.set(file, release);
  installProcessHandlers();
  return {
    dir,
    file,
    get owner() {
      return owner;
    },
    recordServer,
    release,
  };
}

function releaseAll(): void {
  for (const release of [...heldLocks.values()]) release();
}

const SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * A signal listener disables Node's default action (terminate), so ours only acts when it is the only
 * listener: it releases, removes itself and raises the signal again, so the parent sees the usual
 * "killed by SIGINT" (exit code 130 in a shell). When the CLI has its own handler (graceful cancel),
 * the process keeps running with PGlite open, so the lock must stay: the `exit` event releases it.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  uninstallProcessHandlers();
  setTimeout(() => process.exit(SIGNAL_EXIT_CODES[signal] ?? 1), 1000).unref();
  process.kill(process.pid, signal);
}

let handlersInstalled = false;

function installProcessHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstallProcessHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', releaseAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

function busyError(dir: string, owner: LockOwner, hint?: string): StrataError {
  const where = owner.hostname && owner.hostname !== os.hostname() ? ` on host ${owner.hostname}` : '';
  const since = owner.startedAt ? ` since ${owner.startedAt}` : '';
  return new StrataError({
    code: 'STR510',
    message: `data directory ${dir} is in use by pid ${owner.pid}${where} (${owner.command})${since}`,
    hint:
      hint ??
      (where
        ? `wait for it to finish, or stop it (pid ${owner.pid} on ${owner.hostname}); if it is gone, delete ${path.join(dir, LOCK_FILE_NAME)}`
        : `wait for it to finish, or stop it (pid ${owner.pid})`),
  });
}

function fileAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
