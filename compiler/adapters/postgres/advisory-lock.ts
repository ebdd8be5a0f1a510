/**
 * One writer per Postgres target: a session-level advisory lock keyed by the target's schema, held on a
 * connection of its own (not one of the pool's `threads`) from before the first statement that changes
 * the target to the end of the command. The server releases it when that connection ends, so a
 * client killed with -9 leaves no lock behind.
 *
 *   run A: connect → pg_try_advisory_lock ✓ ──── builds ──── unlock, disconnect
 *   run B: connect → pg_try_advisory_lock ✗ → "waiting for … (pid of A)" → … → ✓ → builds
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { StrataError } from '../../diagnostics/strata-error.js';
import type { PostgresTarget } from '../../project/target.js';
import { connectionFailedError, describeTargetUrl } from './connection-errors.js';
import { poolConfig } from './postgres-adapter.js';

export interface TargetLockOptions {
  /** Give up after this many seconds (0: do not wait); undefined waits as long as it takes. */
  timeoutSeconds?: number;
  /** Called when the lock is busy, with who holds it, and again when the holder changes. */
  onWait?: (message: string) => void;
  /** Says what holds the lock, in pg_stat_activity's application_name, e.g. `strata run`. */
  command?: string;
}

export interface HeldTargetLock {
  /** Seconds spent waiting for it (0 when it was free). */
  readonly waitedSeconds: number;
  release(): Promise<void>;
}

const POLL_MS = 500;

/**
 * @example
 *   const lock = await lockPostgresTarget(target, { onWait: (m) => reporter.info(m), timeoutSeconds: 60 });
 *   try { ...build... } finally { await lock.release(); }
 */
export async function lockPostgresTarget(target: PostgresTarget, options: TargetLockOptions = {}): Promise<HeldTargetLock> {
  const key = advisoryKey(target.schema);
  const applicationName = `${target.applicationName ?? 'strata'} ${options.command ?? 'writer'} (pid ${process.pid})`.slice(0, 63);
  const client = new pg.Client({ ...poolConfig(target), application_name: applicationName });
  client.on('error', () => {});
  const location = describeTargetUrl(target);
  try {
    await client.connect();
  } catch (error) {
    throw connectionFailedError(error, location);
  }
  const started = Date.now();
  let lastHolder = '';
  try {
    for (;;) {
      const tried = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]);
      if (tried.rows[0]?.locked) break;
      const holder = await describeHolder(client, key);
      const waited = (Date.now() - started) / 1000;
      if (options.timeoutSeconds !== undefined && waited >= options.timeoutSeconds) {
        throw new StrataError({
          code: 'STR531',
          message: `gave up after ${waited.toFixed(0)}s waiting for the target '${target.name}' (schema ${target.schema}): another run writes to it, ${holder}`,
          hint: 'wait for that run to finish, or raise --lock-timeout (without it, strata waits as long as it takes)',
        });
      }
      if (holder !== lastHolder) {
        options.onWait?.(`waiting for the target '${target.name}' (schema ${target.schema}): another run writes to it, ${holder}`);
        lastHolder = holder;
      }
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error instanceof StrataError ? error : connectionFailedError(error, location);
  }
  const waitedSeconds = lastHolder ? (Date.now() - started) / 1000 : 0;
  let released: Promise<void> | undefined;
  return {
    waitedSeconds,
    release() {
      released ??= client
        .query('select pg_advisory_unlock($1::bigint)', [key])
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => client.end().catch(() => {}));
      return released;
    },
  };
}

/** A signed 64-bit key from the schema: the database is the advisory lock's own scope already. */
export function advisoryKey(schema: string): string {
  const digest = createHash('sha256').update(`strata-target-writer:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** `held by pid 4242 (strata run (pid 17), user ci, since 12:03:04)`, from pg_locks and pg_stat_activity. */
async function describeHolder(client: pg.Client, key: string): Promise<string> {
  const unsigned = BigInt.asUintN(64, BigInt(key));
  const classid = Number(unsigned >> 32n);
  const objid = Number(unsigned & 0xffffffffn);
  const result = await client.query<{ pid: number; application_name: string | null; usename: string | null; backend_start: Date | null }>(
    `select l.pid, a.application_name, a.usename, a.backend_start
     from pg_locks l left join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.objsubid = 1
       and l.classid = $1::oid and l.objid = $2::oid
       and l.database = (select oid from pg_database where datname = current_database())`,
    [classid, objid],
  );
  const row = result.rows[0];
  if (!row) return 'which just finished';
  const details = [
    row.application_name ? `application_name '${row.application_name}'` : undefined,
    row.usename ? `user ${row.usename}` : undefined,
    row.backend_start ? `since ${new Date(row.backend_start).toISOString().replace('T', ' ').slice(0, 19)} UTC` : undefined,
  ].filter(Boolean);
  return `held by pid ${row.pid}${details.length ? ` (${details.join(', ')})` : ''}`;
}
