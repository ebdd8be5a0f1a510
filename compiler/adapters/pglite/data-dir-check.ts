/**
 * PGlite creates a new database in any directory without `PG_VERSION`, over whatever is there: a
 * directory that lost that one file would be silently replaced by an empty database. So a directory
 * is opened only when it is new (absent, or holding nothing but our lock and size files) or looks whole.
 *
 * A creation killed halfway leaves files but no database; it is told apart from a damaged directory by
 * a marker written before PGlite starts creating and removed once it is done:
 *
 *   new dir → write CREATING_MARKER → PGlite.create → remove marker
 *   killed in between → next open finds the marker → starts the creation again from an empty directory
 */
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '../../diagnostics/strata-error.js';
import { LOCK_FILE_NAME } from './data-dir-lock.js';
import { SIZE_FILE } from './startup-profile.js';

/** Present while a new database is being created in the directory. */
export const CREATING_MARKER = 'strata-creating';

/** What a data directory PostgreSQL wrote holds at least. */
const REQUIRED = ['PG_VERSION', 'base', path.join('global', 'pg_control')];

/**
 * Throws STR514 when `dir` holds files but not a whole data directory. Returns true when the directory
 * is new (PGlite will create the database), false when it holds one. A creation that was interrupted
 * is cleared (only the lock file stays) and counts as new.
 *
 * @example if (assertDataDirUsable(target.path)) onNotice('Creating the embedded database …');
 */
export function assertDataDirUsable(dir: string): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir).filter((name) => name !== LOCK_FILE_NAME && name !== SIZE_FILE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw damaged(dir, `cannot read it: ${(error as Error).message}`);
  }
  if (entries.includes(CREATING_MARKER)) {
    for (const name of entries) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    return true;
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

/**
 * Runs `create` (PGlite creating a new database in `dir`) with the marker in place, so that a creation
 * killed halfway is not mistaken for a damaged database next time.
 */
export async function whileCreating<T>(dir: string, create: () => Promise<T>): Promise<T> {
  fs.mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, CREATING_MARKER);
  fs.writeFileSync(marker, `${process.pid}\n`);
  const result = await create();
  fs.rmSync(marker, { force: true });
  return result;
}
