/**
 * Turns a failed connection into STR520 with the target's URL (password masked) and a hint that fits
 * the cause. Errors raised by SQL statements are not connection errors and pass through unchanged.
 */
import { StrataError, maskSecrets } from '../../diagnostics/strata-error.js';
import type { PostgresTarget } from '../../project/target.js';

/** `postgres://user:***@host:5432/db`, built from the URL or the separate fields. */
export function describeTargetUrl(target: PostgresTarget): string {
  if (target.url) return maskSecrets(target.url);
  const user = target.user ? `${encodeURIComponent(target.user)}${target.password ? ':***' : ''}@` : '';
  const host = target.host ?? 'localhost';
  const port = target.port ? `:${target.port}` : '';
  const database = target.database ? `/${encodeURIComponent(target.database)}` : '';
  return `postgres://${user}${host}${port}${database}`;
}

/** SQLSTATEs that mean "could not log in" rather than "your SQL failed". */
const HINTS_BY_SQLSTATE: Record<string, string> = {
  '28P01': 'check the user and password of the target (use {{ env_var(...) }} for the password)',
  '28000': 'the server refused this user or host: check pg_hba.conf and the user name',
  '3D000': 'the database does not exist: create it (createdb) or fix the database name of the target',
  '53300': 'the server has too many connections: lower `threads` or raise max_connections',
  '57P03': 'the server is starting up or shutting down: try again in a moment',
};

const HINTS_BY_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'is the server running and accepting TCP connections on that host and port?',
  ENOTFOUND: 'the host name does not resolve: check the host of the target',
  EAI_AGAIN: 'the host name does not resolve: check the host of the target and the network',
  ETIMEDOUT: 'the server did not answer: check the host, the port and any firewall',
  ECONNRESET: 'the server closed the connection: check that it accepts this client (SSL settings, pg_hba.conf)',
};

/** Wraps `error` as STR520 unless it is an SQL error from a working connection. */
export function connectionFailedError(error: unknown, location: string): unknown {
  if (error instanceof StrataError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E') ? code : undefined;
  if (sqlState && !HINTS_BY_SQLSTATE[sqlState]) return error;
  const hint =
    (code && (HINTS_BY_SQLSTATE[code] ?? HINTS_BY_ERRNO[code])) ??
    (/timeout/i.test(message ?? '') ? HINTS_BY_ERRNO.ETIMEDOUT : undefined) ??
    'check the url (or host, port, user, database) of the target in project.yml';
  return new StrataError({
    code: 'STR520',
    message: `cannot connect to Postgres at ${location}: ${maskSecrets(message ?? String(error))}`,
    hint,
  });
}
