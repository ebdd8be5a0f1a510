/**
 * The second process's side of sharing an embedded database: when another live Strata process owns the
 * data directory and serves it (see wire-server.ts), connect to that server with `pg` instead of
 * opening the directory. Only for commands that read (`show`, `debug`); the others get STR510.
 */
import type { Adapter, AdapterInfo, Connection, QueryResult } from '../adapter.js';
import type { PgliteTarget } from '../../project/target.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import { dataDirBusyError, readLiveOwner, type LockOwner, type LockServer } from './data-dir-lock.js';

export interface OpenThroughOwnerOptions {
  onNotice?: (message: string) => void;
  /** How long to wait for an owner that is still opening the database to start its server (default 30 s). */
  startupWaitMs?: number;
}

/**
 * An adapter on the owner's database, or undefined when no live process of this machine owns the
 * directory (the caller then opens it itself). Throws STR510 when the owner does not serve it.
 *
 * @example
 *   const adapter = (await openThroughOwner(target, { onNotice })) ?? (await openPglite(target, { onNotice }));
 */
export async function openThroughOwner(target: PgliteTarget, options: OpenThroughOwnerOptions = {}): Promise<Adapter | undefined> {
  const waitMs = options.startupWaitMs ?? 30_000;
  const deadline = Date.now() + waitMs;
  let lastError: unknown;
  for (;;) {
    const owner = readLiveOwner(target.path);
    if (!owner) return undefined;
    const server = owner.server;
    if (server === undefined) {
      throw dataDirBusyError(target.path, owner, `it does not share its database (an older Strata?): wait for it to finish, or stop it (pid ${owner.pid})`);
    }
    if (server !== 'starting') {
      try {
        return await connect(target, owner, server, options);
      } catch (error) {
        lastError = error;
      }
    }
    if (Date.now() >= deadline) {
      if (lastError !== undefined) throw unreachableOwnerError(target, owner, lastError);
      throw dataDirBusyError(target.path, owner, `it has not finished opening the database after ${Math.round(waitMs / 1000)}s; try again, or stop it (pid ${owner.pid})`);
    }
    // Opening PGlite takes seconds (creating a directory, several): the owner records its port after
    // that. A refused connection is an owner that is closing: it will be gone in a moment, and then
    // the directory is free.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function connect(target: PgliteTarget, owner: LockOwner, server: LockServer, options: OpenThroughOwnerOptions): Promise<Adapter> {
  const { openPostgres } = await import('../postgres/postgres-adapter.js');
  const url = `postgres://strata:${encodeURIComponent(server.password)}@${server.host}:${server.port}/postgres`;
  const adapter = await openPostgres({ type: 'postgres', name: target.name, schema: target.schema, threads: 1, url, clientConnectionCheckInterval: 0 }, { onNotice: options.onNotice });
  options.onNotice?.(`using the database of ${describeOwner(owner)}`);
  return new OwnerAdapter(adapter, owner);
}

/** `strata watch (pid 123)` */
export function describeOwner(owner: LockOwner): string {
  return `${owner.command} (pid ${owner.pid})`;
}

function unreachableOwnerError(target: PgliteTarget, owner: LockOwner, error: unknown): StrataError {
  const cause = error instanceof StrataError ? error.diagnostics[0]?.message : (error as Error).message;
  return new StrataError({
    code: 'STR510',
    message: `data directory ${target.path} is in use by pid ${owner.pid} (${owner.command}), and its database could not be reached: ${cause}`,
    hint: `try again, or wait for it to finish, or stop it (pid ${owner.pid})`,
  });
}

/**
 * The `pg` adapter on the owner's server, with one difference: when the owner ends while a statement
 * of ours waits or runs, the error says so (STR513) instead of a bare "Connection terminated".
 */
class OwnerAdapter implements Adapter {
  readonly type: Adapter['type'];
  readonly maxConcurrency = 1;

  constructor(
    private readonly inner: Adapter,
    private readonly owner: LockOwner,
  ) {
    this.type = inner.type;
  }

  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    return this.inner.withConnection(fn).catch((error: unknown) => this.#explain(error));
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.inner.query<Row>(sql, params).catch((error: unknown) => this.#explain(error));
  }

  cancelRunning(): Promise<void> {
    return this.inner.cancelRunning();
  }

  info(): Promise<AdapterInfo> {
    return this.inner.info().catch((error: unknown) => this.#explain(error));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  #explain(error: unknown): never {
    const { code, message } = (error ?? {}) as { code?: string; message?: string };
    const ownerGone = code === '57P01' || code === 'ECONNRESET' || code === 'STR520' || /Connection terminated|ECONNREFUSED/i.test(message ?? '');
    if (!ownerGone) throw error;
    throw new StrataError({
      code: 'STR513',
      message: `${describeOwner(this.owner)}, whose database this command was using, closed it: ${message ?? String(error)}`,
      hint: 'run the command again',
    });
  }
}
