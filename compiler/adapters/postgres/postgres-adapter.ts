/**
 * The Postgres engine: a `pg` pool of `threads` connections.
 *
 * - `query` always uses the extended protocol (one statement, `$1` parameters), like PGlite's `query`,
 *   so SQL that works on one engine works on the other.
 * - `exec` uses the simple protocol, which accepts several statements.
 * - Type parsing is pg's default, except int8 (see parse-int8.ts); numeric stays a string.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import './pg-runtime-probe.js';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import './pg-runtime-probe-end.js';
import { describedQuery, type Adapter, type AdapterInfo, type Connection, type DescribedColumn, type QueryResult, type Relation } from '../adapter.js';
import type { PostgresTarget } from '../../project/target.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import { TYPE_PARSERS } from '../type-parsers.js';
import { connectionFailedError, describeTargetUrl } from './connection-errors.js';
import { firstErrorWins } from '../first-error.js';
import { isKeyValueDsn, parseKeyValueDsn } from './key-value-dsn.js';
import { rememberConnectionSecrets, rememberSecret } from '../../diagnostics/mask-secrets.js';

export interface OpenPostgresOptions {
  /** Receives NOTICE messages raised by the server (e.g. `RAISE NOTICE` in a hook). */
  onNotice?: (message: string) => void;
}

/** Seconds between the server's checks that our client is still there, unless the target says otherwise. */
export const DEFAULT_CONNECTION_CHECK_SECONDS = 5;

/**
 * Opens a pool on the target and checks once that the server answers (a wrong URL fails here, with
 * STR520, not in the middle of a run).
 *
 * @example
 *   const adapter = await openPostgres({ type: 'postgres', name: 'ci', schema: 'pagila', threads: 4,
 *     url: 'postgres://strata@127.0.0.1:5432/pagila' });
 */
export async function openPostgres(target: PostgresTarget, options: OpenPostgresOptions = {}): Promise<Adapter> {
  rememberSecret(target.password);
  rememberConnectionSecrets(target.url);
  const config = poolConfig(target);
  const location = describeTargetUrl(target);
  const pool = new pg.Pool({ ...config, max: Math.max(1, target.threads) });
  // An idle client whose server went away emits 'error' on the pool; without a listener it would crash
  // the process. The next checkout gets a fresh client.
  pool.on('error', () => {});
  if (options.onNotice) {
    const onNotice = options.onNotice;
    pool.on('connect', (client) => client.on('notice', (notice) => onNotice(notice.message ?? String(notice))));
  }
  const checkSeconds = target.clientConnectionCheckInterval ?? DEFAULT_CONNECTION_CHECK_SECONDS;
  if (checkSeconds > 0) {
    // Queued before any statement of the client's first user. A client killed with -9 cannot cancel
    // its statements: with this set, the server notices the closed socket while the statement runs
    // and ends it within `checkSeconds`, instead of building a table nobody will read. PostgreSQL 14+
    // only; older servers skip it (no error, so nothing to roll back).
    pool.on('connect', (client) => {
      client
        .query(
          "select set_config('client_connection_check_interval', $1, false) where current_setting('server_version_num')::int >= 140000",
          [`${Math.round(checkSeconds * 1000)}`],
        )
        .catch(() => {});
    });
  }
  const adapter = new PostgresAdapter(pool, config, location, Math.max(1, target.threads), target.retries ?? 0);
  try {
    await adapter.info();
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return adapter;
}

/** The pool's client config from a target, with dbt-postgres's profile fields mapped onto pg's. */
export function poolConfig(target: PostgresTarget): pg.PoolConfig {
  const types = new pg.TypeOverrides();
  for (const [oid, parse] of Object.entries(TYPE_PARSERS)) types.setTypeParser(Number(oid), parse);
  const connection: pg.PoolConfig = target.url
    ? isKeyValueDsn(target.url)
      ? withoutSslmode(parseKeyValueDsn(target.url))
      : { connectionString: target.url }
    : { host: target.host, port: target.port, user: target.user, password: target.password, database: target.database };
  const ssl = sslConfig(target);
  const options = startupOptions(target);
  const keepAlive = target.keepalivesIdle ? { keepAlive: true, keepAliveInitialDelayMillis: target.keepalivesIdle * 1000 } : {};
  return {
    ...connection,
    ...(ssl === undefined ? {} : { ssl }),
    ...(options ? { options } : {}),
    ...keepAlive,
    application_name: target.applicationName ?? 'strata',
    connectionTimeoutMillis: (target.connectTimeout ?? 15) * 1000,
    types,
  };
}

/** The key/value DSN's fields pg knows (its sslmode is the target's `sslmode`, below). */
function withoutSslmode(config: pg.ClientConfig & { sslmode?: string }): pg.PoolConfig {
  const { sslmode: _sslmode, ...rest } = config;
  return rest;
}

/**
 * libpq's sslmode in pg's terms. `allow` and `prefer` mean "TLS if the server offers it": pg cannot
 * fall back, so they connect without TLS, as `disable` does (resolve-target warns about it).
 */
function sslConfig(target: PostgresTarget): pg.PoolConfig['ssl'] {
  const read = (path: string | undefined) => (path === undefined ? undefined : fs.readFileSync(path, 'utf8'));
  const files = { ca: read(target.sslrootcert), cert: read(target.sslcert), key: read(target.sslkey) };
  switch (target.sslmode) {
    case undefined:
      return undefined;
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { ...files, rejectUnauthorized: false };
    case 'verify-ca':
      return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...files, rejectUnauthorized: true };
  }
}

/**
 * `search_path` and `role` as startup parameters (`-c name=value`, spaces and backslashes escaped):
 * in force from the first statement of every pooled connection, with no extra round trip, and a role
 * that does not exist fails the connection with the server's own message.
 */
function startupOptions(target: PostgresTarget): string | undefined {
  const escape = (value: string) => value.replace(/[\\ ]/g, (c) => `\\${c}`);
  const parts: string[] = [];
  if (target.searchPath) parts.push(`-c search_path=${escape(target.searchPath)}`);
  if (target.role) parts.push(`-c role=${escape(target.role)}`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Errors worth another connection attempt: the server is not there yet, or is starting up. */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', '57P03', '53300'].includes(code ?? '') ||
    /timeout|terminated unexpectedly/i.test((error as Error)?.message ?? '')
  );
}

class PostgresAdapter implements Adapter {
  readonly type = 'postgres' as const;
  /** Clients checked out now, for cancelRunning. */
  readonly #inUse = new Set<pg.PoolClient>();
  #serverVersion: string | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly config: pg.PoolConfig,
    private readonly location: string,
    readonly maxConcurrency: number,
    private readonly retries: number,
  ) {}

  /** A pooled client; a transient connection failure is tried again `retries` times, a second apart. */
  async #connect(): Promise<pg.PoolClient> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.connect();
      } catch (error) {
        if (attempt >= this.retries || !isTransient(error)) throw connectionFailedError(error, this.location);
        await new Promise((done) => setTimeout(done, 1000));
      }
    }
  }

  async withConnection<T>(fn: (connection: Connection) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    // A checked-out client whose connection dies emits 'error'; unhandled, that would crash the process.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    this.#inUse.add(client);
    try {
      return await fn(firstErrorWins(postgresConnection(client)));
    } catch (error) {
      // Leave no transaction open for the next user of this client; if even ROLLBACK fails, the
      // connection is unusable and is destroyed instead of going back to the pool. Only when one is
      // open: the caller has usually rolled back already, and a second ROLLBACK draws a warning.
      const status = (client as unknown as { _txStatus?: string | null })._txStatus;
      if (!broken && status !== 'I') await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      this.#inUse.delete(client);
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    return this.withConnection((connection) => connection.query<Row>(sql, params));
  }

  /**
   * Sends `pg_cancel_backend` for every client checked out now, through a separate short-lived
   * connection (the pool may be full). The cancelled statements fail with SQLSTATE 57014; the clients
   * stay usable and go back to the pool.
   */
  async cancelRunning(): Promise<void> {
    const pids = [...this.#inUse].map((client) => (client as unknown as { processID: number | null }).processID);
    const running = pids.filter((pid): pid is number => typeof pid === 'number');
    if (running.length === 0) return;
    const canceller = new pg.Client({ ...this.config, application_name: 'strata-cancel' });
    canceller.on('error', () => {});
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [running]);
    } catch (error) {
      throw connectionFailedError(error, this.location);
    } finally {
      await canceller.end().catch(() => {});
    }
  }

  async info(): Promise<AdapterInfo> {
    if (this.#serverVersion === undefined) {
      const result = await this.query<{ server_version: string }>('SHOW server_version');
      this.#serverVersion = result.rows[0]?.server_version;
    }
    return { type: 'postgres', location: this.location, serverVersion: this.#serverVersion };
  }

  #closed: Promise<void> | undefined;

  close(): Promise<void> {
    this.#closed ??= this.pool.end();
    return this.#closed;
  }
}

function postgresConnection(client: pg.PoolClient): Connection {
  return {
    async query<Row>(sql: string, params: unknown[] = []): Promise<QueryResult<Row>> {
      // queryMode 'extended' even without parameters: one statement per call, as on PGlite.
      const config = { text: sql, values: params, queryMode: 'extended' } as pg.QueryConfig;
      const result = await client.query(config);
      return {
        rows: result.rows as Row[],
        fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
        rowCount: result.rowCount,
      };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
    async describe(sql: string): Promise<DescribedColumn[]> {
      const result = await client.query({ text: describedQuery(sql), queryMode: 'extended' } as pg.QueryConfig);
      return result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID, typmod: field.dataTypeModifier }));
    },
    async copyFromCsvFile(relation: Relation, columns: string[], csvPath: string): Promise<number> {
      const columnList = columns.map(quoteIdent).join(', ');
      const sql = `COPY ${quoteRelation(relation)} (${columnList}) FROM STDIN WITH (FORMAT csv, HEADER true)`;
      const sink = client.query(copyFrom(sql));
      await pipeline(fs.createReadStream(csvPath), sink);
      return sink.rowCount ?? 0;
    },
  };
}
