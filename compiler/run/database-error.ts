/**
 * A database error as a diagnostic: the SQLSTATE in the message, a hint that fits the cause, and the
 * place in the model where Postgres gives a `position`.
 */
import { StrataError, maskDiagnostic, type Diagnostic } from '../diagnostics/strata-error.js';

/** Hints for SQLSTATEs whose cause is not the model's SQL. */
const HINTS_BY_SQLSTATE: Record<string, string> = {
  '55P03': 'a lock was not granted within lock_timeout: another session holds the relation (see pg_locks and pg_stat_activity); run again when it is done, or raise lock_timeout',
  '40P01': 'deadlock with another session writing the same relations; run again (one strata run per target at a time is safe: other writers are not)',
  '57014': 'the statement was cancelled (Ctrl-C, --fail-fast, statement_timeout, or pg_cancel_backend by someone else)',
  '40001': 'serialization failure with a concurrent transaction; run again',
  '53100': 'the server is out of disk space',
  '53200': 'the server ran out of memory for this statement',
};

const CONNECTION_ERRNOS = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];

/**
 * True when `error` means the connection to the server is gone (not that the SQL was wrong): the
 * other nodes cannot run either.
 */
export function isConnectionLost(error: unknown): boolean {
  if (error instanceof StrataError) return error.code === 'STR520';
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (CONNECTION_ERRNOS.includes(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code))) return true;
  return /Connection terminated|connection is closed|Client has encountered a connection error|terminating connection/i.test(message ?? '');
}

export interface ErrorPlace {
  /** The node's file (relative to the project). */
  file?: string;
  /** The compiled SQL, to map a `position` into. */
  compiledSql?: string;
  /** The compiled SQL's lines are the file's lines (a statically parsed model). */
  linesPreserved?: boolean;
  /** What the hint should point at when the SQL is to blame. */
  sqlHint?: string;
  /** The code and the message's first words when the SQL is to blame (default STR401, 'database error'). */
  code?: string;
  what?: string;
}

/**
 * @example databaseErrorDiagnostic(error, { file: 'models/x.sql', compiledSql })
 *   // { code: 'STR401', message: 'database error 42703: column "y" does not exist', file, line, column, hint }
 */
export function databaseErrorDiagnostic(error: unknown, place: ErrorPlace = {}): Diagnostic {
  // Masked here, not only when printed: the diagnostic goes into run_results.json too.
  return maskDiagnostic(unmaskedDiagnostic(error, place));
}

function unmaskedDiagnostic(error: unknown, place: ErrorPlace): Diagnostic {
  if (error instanceof StrataError) return error.diagnostics[0];
  const message = error instanceof Error ? error.message : String(error);
  const { code, position, statement } = error as { code?: string; position?: string | number; statement?: string };
  if (isConnectionLost(error)) {
    return {
      code: 'STR521',
      message: `lost the connection to the database${code ? ` (${code})` : ''}: ${message}`,
      file: place.file,
      hint: 'is the server still running? The nodes not yet built were skipped; run again once it is back',
    };
  }
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const diagnostic: Diagnostic = {
    code: place.code ?? 'STR401',
    message: `${place.what ?? 'database error'}${sqlState ? ` ${sqlState}` : ''}: ${message}`,
    file: place.file,
    hint: (sqlState && HINTS_BY_SQLSTATE[sqlState]) ?? place.sqlHint ?? 'see the compiled SQL under target/compiled/',
  };
  // A model ending in ';' is the most common syntax error of all: the query is wrapped in create … as (…).
  if (sqlState === '42601' && /at or near ";"/.test(message)) diagnostic.hint = "a model is one query: remove the ';' at its end";
  if (sqlState && HINTS_BY_SQLSTATE[sqlState]) return diagnostic;
  const sql = place.compiledSql;
  const at = Number(position) - 1;
  const start = sql && statement ? statement.indexOf(sql) : -1;
  if (sql && start >= 0 && at >= start && at < start + sql.length) {
    const before = sql.slice(0, at - start);
    const line = before.split('\n').length;
    const column = at - start - before.lastIndexOf('\n');
    if (place.linesPreserved) return { ...diagnostic, line, column };
    const where = `at line ${line}, column ${column} of the compiled SQL under target/compiled/`;
    return { ...diagnostic, hint: diagnostic.hint?.startsWith('a model is one query') ? `${diagnostic.hint}, ${where}` : where };
  }
  return diagnostic;
}

/** True for errors that come from the database server (they carry a SQLSTATE). */
export function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !(error instanceof StrataError);
}
