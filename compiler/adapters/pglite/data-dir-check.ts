/**
 * PGlite creates a new database in any directory without `PG_VERSION`, over whatever is there: a
 * directory that lost that one file would be silently replaced by an empty database. So a directory
 * is opened only when it is new (absent, or holding nothing but our lock file) or looks whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../../diagnostics/strata-error.js';
import { LOCK_FILE_NAME } from './data-dir-lock.js';

/** What a data directory PostgreSQL wrote holds at least. */
const REQUIRED = ['PG_VERSION', 'base', path.join('global', 'pg_control')];

/**
 * Throws STR514 when `dir` holds files but not a whole data directory. Returns true when the directory
 * is new (PGlite will create the database), false when it holds one.
 *
 * @example if (assertDataDirUsable(target.path)) onNotice('Creating the embedded database …');
 */
export function assertDataDirUsable(dir: string): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).filter((name) => name !== LOCK_FILE_NAME);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw damaged(dir, `cannot read it: ${(error as Error).message}`);
  }
  if (entries.length === 0) return true;
  const missing = REQUIRED.filter((name) => !fs.existsSync(path.join(dir, name)));
  if (missing.length === 0) return false;
  throw damaged(dir, `it holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} but not ${missing.join(', ')}`);
}

function damaged(dir: string, why: string): StrataError {
  return new StrataError({
    code: 'STR514',
    message: `the embedded data directory ${dir} is damaged or not a PGlite database (${why}); it was left untouched`,
    hint: `move it away (mv '${dir}' '${dir}.damaged') to start a new, empty database, or restore it from a copy`,
  });
}
