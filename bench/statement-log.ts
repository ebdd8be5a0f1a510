/**
 * The statements a `strata` process sent, read back from the server's log, so that `psql` can replay
 * the same SQL in the same order in one session: the physical limit of that work, and what is left of
 * Strata's time beside it is its own (start-up, parse, round trips).
 *
 * The project's database logs every statement (`log_statement = all`, set on the database for the one
 * captured run, so other databases of the server are not affected); statements sent with parameters
 * (`execute <unnamed>: ... $1`, with their values on the next `DETAIL:  parameters:` line) come back
 * with the values written in as literals.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * Runs `run` with statement logging on `database` and returns the statements it sent, in order.
 * Needs a server whose log file the benchmark can read, and a superuser (log_statement is one).
 * @example captureStatements(server.logFile, project.url, () => runStrata(['test'])) // ['select ...', ...]
 */
export function captureStatements(logFile: string, databaseUrl: string, run: () => void): string[] {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const setting = (value: string) => execFileSync('psql', [databaseUrl, '-qc', `alter database "${database.replace(/"/g, '""')}" ${value}`], { stdio: 'ignore' });
  const start = statSync(logFile).size;
  setting("set log_statement = 'all'");
  try {
    run();
  } finally {
    setting('reset log_statement');
  }
  // The setting holds for sessions started after it: the SET is not logged, the RESET's session is.
  return parseStatementLog(readFrom(logFile, start)).filter((s) => !/^alter database .* reset log_statement$/i.test(s));
}

/**
 * The statements of a PostgreSQL log written with the default `log_line_prefix` ('%m [%p] '), in order,
 * parameters written in.
 * @example parseStatementLog("2026-01-01 00:00:00.000 UTC [7] LOG:  statement: select 1\n") // ['select 1']
 */
export function parseStatementLog(text: string): string[] {
  const entries = text.split(/\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/);
  const statements: string[] = [];
  // The statement of each backend waiting for its parameters (a DETAIL line follows it).
  const pending = new Map<string, number>();
  for (const entry of entries) {
    const match = /^\S+ \S+ \S+ \[(\d+)\] (LOG|DETAIL):  ([\s\S]*)$/.exec(entry.replace(/\n$/, ''));
    if (!match) continue;
    const [, pid, level, message] = match;
    // Continuation lines of a message start with a tab.
    const body = message.replace(/\n\t/g, '\n');
    if (level === 'LOG') {
      const statement = /^(?:statement|execute [^:]*): ([\s\S]*)$/.exec(body);
      if (!statement) continue;
      statements.push(statement[1].trim().replace(/;\s*$/, ''));
      if (body.startsWith('execute')) pending.set(pid, statements.length - 1);
    } else if (body.startsWith('parameters: ') && pending.has(pid)) {
      const index = pending.get(pid)!;
      pending.delete(pid);
      const values = new Map<string, string>();
      for (const param of body.slice('parameters: '.length).matchAll(/\$(\d+) = ('(?:[^']|'')*'|NULL)/g)) values.set(param[1], param[2]);
      statements[index] = statements[index].replace(/\$(\d+)\b/g, (whole, n: string) => values.get(n) ?? whole);
    }
  }
  return statements;
}

/** A psql script of `statements`, one after another in one session. */
export function replayScript(statements: string[]): string {
  return `${statements.map((s) => `${s};`).join('\n')}\n`;
}

function readFrom(file: string, start: number): string {
  const size = statSync(file).size;
  const buffer = Buffer.alloc(Math.max(0, size - start));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, start);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}
