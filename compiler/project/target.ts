/** A resolved connection target (project.yml `targets:` entry, or the built-in embedded default). */
export type TargetConfig = PgliteTarget | PostgresTarget;

interface TargetCommon {
  /** The key in `targets:` (`dev`, `ci`, ...). The built-in default is `embedded`. */
  name: string;
  /** The target schema; custom schemas become `<schema>_<custom>`. */
  schema: string;
  threads: number;
}

export interface PgliteTarget extends TargetCommon {
  type: 'pglite';
  /** Absolute path of the data directory (by default `<project>/.strata/<target name>`). */
  path: string;
}

export interface PostgresTarget extends TargetCommon {
  type: 'postgres';
  /** Either a URL, or the fields below. */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** libpq's modes; `disable`, `allow` and `prefer` connect without TLS (pg cannot fall back). */
  sslmode?: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  /** Absolute paths of PEM files. */
  sslcert?: string;
  sslkey?: string;
  sslrootcert?: string;
  /** Sent as the `search_path` startup parameter of every connection. */
  searchPath?: string;
  /** Every connection runs as this role (the `role` startup parameter: `set role` before any statement). */
  role?: string;
  /** Seconds of idle before TCP keepalives start; 0 or unset: the OS default. */
  keepalivesIdle?: number;
  /** Seconds to wait for a connection (default 15). */
  connectTimeout?: number;
  /** How many times a connection that failed for a transient reason is tried again (default 0). */
  retries?: number;
  applicationName?: string;
  /**
   * Seconds between the server's checks that the client is still connected while a statement runs
   * (PostgreSQL 14+ `client_connection_check_interval`): a killed client's statements end within it.
   * Default 5; 0 turns it off.
   */
  clientConnectionCheckInterval?: number;
}
