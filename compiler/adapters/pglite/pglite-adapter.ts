/**
 * The embedded engine: PGlite (PostgreSQL in WebAssembly) persisted in a data directory.
 *
 * One PGlite instance is one session, so `maxConcurrency` is 1 and `withConnection` gives callers the
 * session in turn (see SessionQueue). The data directory is locked (see data-dir-lock.ts) before PGlite
 * touches it, and released when the adapter closes or the process ends. While it is open, the adapter
 * serves the database on a loopback port recorded in the lock (see wire-server.ts), so that another
 * Strata process (`strata show` during `strata watch`) runs its statements here instead of opening the
 * directory a second time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { PGlite, type Results } from '@electric-sql/pglite';
import { describedQuery, type Adapter, type Connection, type DescribedColumn, type QueryResult, type Relation } from '../adapter.js';
import type { PgliteTarget } from '../../project/target.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import { TYPE_PARSERS } from '../type-parsers.js';
import { assertDataDirUsable, whileCreating } from './data-dir-check.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { firstErrorWins } from '../first-error.js';
import { SessionQueue } from './session-queue.js';
import { countLines, csvChunks, renumberCopyLine } from '../../csv/csv-chunks.js';
import { startWireServer, type WireServer } from './wire-server.js';
import { describeStatement, parseStatement, sync } from './wire-protocol.js';
import { startupProfile } from './startup-profile.js';
import { engineFiles } from './engine-files.js';

export interface OpenPgliteOptions {
  /** One-line notices for the user, e.g. a stale lock that was taken over. */
  onNotice?: (message: string) => void;
  /** Serve the database to other Strata processes while it is open (default true). */
  serve?: boolean;
}

/** The slice of PGlite this adapter uses. */
type PgliteSession = Pick<PGlite, 'query' | 'exec' | 'close' | 'execProtocol' | 'execProtocolRaw'>;

/** The adapter whose session the current async call chain holds, to catch a nested withConnection. */
const sessionHolder = new AsyncLocalStorage<PgliteAdapter>();

/**
 * Locks `target.path`, then opens (or creates) the PGlite database in it.
 * Throws STR510 when another process owns the directory.
 *
 * @example
 *   const adapter = await openPglite({ type: 'pglite', name: 'dev', schema: 'pagila', threads: 1,
 *     path: '/home/me/pagila/.strata/dev' });
 *   await adapter.query('select 1 as one');
 *   await adapter.close();
 */
export async function openPglite(target: PgliteTarget, options: OpenPgliteOptions = {}): Promise<Adapter> {
  const serve = options.serve ?? true;
  const lock = acquireDataDirLock(target.path, { onNotice: options.onNotice, serving: serve });
  let pglite: PGlite;
  let creating: boolean;
  try {
    // Checked under the lock: nobody else can be creating the database in it meanwhile.
    creating = assertDataDirUsable(target.path);
    if (creating) options.onNotice?.(`Creating the embedded database in ${target.path} (first run only: a few seconds)`);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    const { startParams } = startupProfile(target.path);
    const files = await engineFiles();
    const open = () => PGlite.create(target.path, { parsers: TYPE_PARSERS, startParams: [...PGlite.defaultStartParams, ...startParams], ...files });
    pglite = creating ? await whileCreating(target.path, open) : await open();
  } catch (error) {
    lock.release();
    throw new StrataError({
      code: 'STR512',
      message: `cannot open the PGlite data directory ${target.path}: ${(error as Error).message}`,
      hint: 'if the directory was copied or written by another program, move it away and run again to start a new one',
    });
  }
  const adapter = new PgliteAdapter(target.path, pglite, () => lock.release());
  if (serve) await adapter.serve(lock);
  return adapter;
}

class PgliteAdapter implements Adapter {
  readonly type = 'pglite' as const;
  readonly maxConcurrency = 1;
  readonly #queue = new SessionQueue();
  readonly #connection: Connection;
  #server: WireServer | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly pglite: PgliteSession,
    private readonly releaseLock: () => void,
  ) {
    this.#connection = firstErrorWins(pgliteConnection(pglite));
  }

  withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    if (this.#closing) return Promise.reject(new Error('the PGlite adapter is closed'));
    if (sessionHolder.getStore() === this) {
      // The caller holds the only session and would wait for itself forever.
      return Promise.reject(
        new Error('withConnection (or adapter.query) called inside withConnection on PGlite: use the connection passed to the callback'),
      );
    }
    return this.#queue.run(async () => {
      try {
        return await sessionHolder.run(this, () => fn(this.#connection));
      } catch (error) {
        // A caller that failed inside a transaction must not leave it open for the next caller.
        await this.pglite.query('ROLLBACK', [], { onNotice: () => {} }).catch(() => {});
        throw error;
      }
    });
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.withConnection((connection) => connection.query<Row>(sql, params));
  }

  /**
   * PGlite runs a statement to its end on the JavaScript thread: there is nothing that could interrupt
   * it, so this only resolves. Queued callers still run; the scheduler stops handing out new work.
   */
  async cancelRunning(): Promise<void> {}

  async info() {
    const result = await this.query<{ server_version: string }>('SHOW server_version');
    return { type: 'pglite' as const, location: this.dataDir, serverVersion: result.rows[0]?.server_version };
  }

  /**
   * Starts the loopback server over this session and records it in the lock. Without it (no loopback
   * interface, say) the adapter works as before and other processes get STR510.
   */
  async serve(lock: DataDirLock): Promise<void> {
    const password = randomBytes(18).toString('base64url');
    try {
      const settings = await this.query<{ version: string; timezone: string; datestyle: string }>(
        "select current_setting('server_version') as version, current_setting('TimeZone') as timezone, current_setting('DateStyle') as datestyle",
      );
      const row = settings.rows[0]!;
      this.#server = await startWireServer({
        session: this.pglite,
        queue: this.#queue,
        password,
        parameters: {
          server_version: row.version,
          server_encoding: 'UTF8',
          client_encoding: 'UTF8',
          DateStyle: row.datestyle,
          TimeZone: row.timezone,
          integer_datetimes: 'on',
          standard_conforming_strings: 'on',
          application_name: '',
        },
        ownerName: `${lock.owner.command} (pid ${lock.owner.pid})`,
      });
      lock.recordServer({ host: this.#server.host, port: this.#server.port, password });
    } catch {
      lock.recordServer(undefined);
    }
  }

  close(): Promise<void> {
    // The server stops taking clients and lets the connected ones finish; callers already queued (the
    // owner's and clients') go first; then PGlite flushes and closes, the rest are cut, the lock goes.
    const server = this.#server;
    this.#closing ??= (server?.stop() ?? Promise.resolve())
      .then(() => this.#queue.run(() => this.pglite.close()))
      .finally(() => {
        server?.disconnectAll();
        this.releaseLock();
      });
    return this.#closing;
  }
}

/** Bytes of CSV per COPY statement on PGlite. */
const COPY_CHUNK_BYTES = 8 << 20;

function pgliteConnection(pglite: PgliteSession): Connection {
  return {
    async query<Row>(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      return toQueryResult<Row>(await pglite.query<Row>(sql, params));
    },
    async exec(sql: string): Promise<void> {
      await pglite.exec(sql);
    },
    async describe(sql: string): Promise<DescribedColumn[]> {
      // Parse, Describe, Sync: PGlite answers with a RowDescription (or NoData), or throws the error.
      const { messages } = await pglite.execProtocol(Buffer.concat([parseStatement(describedQuery(sql)), describeStatement(), sync()]));
      const row = messages.find((m) => m.name === 'rowDescription') as { fields: { name: string; dataTypeID: number; dataTypeModifier: number }[] } | undefined;
      return (row?.fields ?? []).map((field) => ({ name: field.name, dataTypeID: field.dataTypeID, typmod: field.dataTypeModifier }));
    },
    async copyFromCsvFile(relation: Relation, columns: string[], csvPath: string): Promise<number> {
      // PGlite reads /dev/blob from one ArrayBuffer: the file goes in pieces of whole rows, one COPY each,
      // so memory stays bounded whatever the file's size. The first piece carries the header.
      const columnList = columns.map(quoteIdent).join(', ');
      const copy = (header: boolean) => `COPY ${quoteRelation(relation)} (${columnList}) FROM '/dev/blob' WITH (FORMAT csv, HEADER ${header})`;
      let rows = 0;
      let linesBefore = 0;
      for await (const piece of csvChunks(csvPath, COPY_CHUNK_BYTES)) {
        try {
          const result = await pglite.query(copy(linesBefore === 0), [], { blob: new Blob([piece]) });
          rows += result.affectedRows ?? result.rowCount ?? 0;
        } catch (error) {
          // Postgres numbers the piece's lines from 1: make them the file's.
          renumberCopyLine(error, linesBefore);
          throw error;
        }
        linesBefore += countLines(piece);
      }
      return rows;
    },
  };
}

function toQueryResult<Row>(result: Results<Row>): QueryResult<Row> {
  return {
    rows: result.rows,
    fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
    // `rowCount` is the statement's command tag count (CREATE TABLE AS included); DDL has none.
    rowCount: result.rowCount ?? (result.fields.length > 0 ? result.rows.length : null),
  };
}
