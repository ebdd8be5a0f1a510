/**
 * One writer per target, whatever the engine. Every command that changes a target takes this lock
 * before its first statement; read-only commands (`show`, `compile`, `ls`, `docs`) never do.
 *
 * - Postgres: an advisory lock scoped to the target's database and schema (postgres/advisory-lock.ts).
 * - PGlite: the owner lock of the data directory, taken when the adapter opens, is that lock already.
 */
import type { TargetConfig } from '../project/target.js';
import type { HeldTargetLock, TargetLockOptions } from './postgres/advisory-lock.js';

export type { HeldTargetLock, TargetLockOptions };

/**
 * @example
 *   const lock = await lockTarget(project.target, { command: 'run', onWait: (m) => reporter.info(m) });
 *   try { await runPlan(...); } finally { await lock.release(); }
 */
export async function lockTarget(target: TargetConfig, options: TargetLockOptions = {}): Promise<HeldTargetLock> {
  if (target.type === 'pglite') return { waitedSeconds: 0, release: async () => {} };
  const { lockPostgresTarget } = await import('./postgres/advisory-lock.js');
  return lockPostgresTarget(target, options);
}
