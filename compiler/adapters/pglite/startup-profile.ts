/**
 * How PGlite starts in this process, chosen from the size of its data directory: a small one (under a
 * gibibyte: a project in development, the inner loop) starts fast, a large one keeps what long queries
 * over much data need.
 *
 * - **WebAssembly tiering.** By default V8 compiles each of Postgres's functions (about 9 MB of
 *   WebAssembly) quickly (Liftoff) and, once it has run enough, again with the optimizing compiler
 *   (TurboFan) on background threads. No compiled WebAssembly is kept between processes, and starting
 *   Postgres alone runs enough of it to send hundreds of functions to TurboFan: on this 2-core machine
 *   an embedded `build --select gold_customer_metrics` spent 2.1 to 2.3 s of CPU against 0.94 to 0.99 s
 *   with Liftoff alone, and a whole Pagila build at scale 1 and 10 (a 223 MB data directory) was no
 *   slower on Liftoff alone (19.7 and 27.2 s against 23.0 and 27.6 s at scale 10). Long queries over
 *   much data do gain from TurboFan (a 3-million-row aggregate ran 1.2 times slower on Liftoff alone).
 * - **shared_buffers.** Postgres zeroes its shared memory as it starts, and in WebAssembly that is a
 *   byte loop: the 128 MB of the default took 90 ms of a 350 ms start, 16 MB takes 20 ms. A small
 *   data directory is in the operating system's cache anyway, so the smaller buffer pool costs it
 *   nothing: whole Pagila builds at scale 1 and 10 took the same time with 16 MB as with 128 MB
 *   (6.39 against 6.41 s and 17.29 against 17.23 s, medians of 3).
 *
 * `STRATA_PGLITE_TIER_UP=1` keeps the defaults for any size.
 *
 * Measuring the directory means a stat of each of its files (about a thousand for Pagila: 10 to 20 ms
 * of every open), so the size is kept in the directory (`strata-size.json`) and measured again when
 * that is an hour old: a directory that grows past a gibibyte starts with the small profile for up to
 * an hour more.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { writeFileAtomic } from '../../project/project-files.js';

/** From this size on, the defaults (TurboFan, 128 MB of shared buffers) are kept. */
const LARGE_DATA_DIR_BYTES = 1024 ** 3;
/** shared_buffers for a small data directory. */
export const SMALL_SHARED_BUFFERS = '16MB';
/** The size last measured, kept in the data directory (written only where a database is). */
export const SIZE_FILE = 'strata-size.json';
const SIZE_MAX_AGE_MS = 60 * 60 * 1000;

let liftoffOnly: boolean | undefined;

/**
 * Before the first PGlite of the process is created: returns the Postgres start parameters to add
 * for `dataDir`, and sets V8 to Liftoff only when the directory is small, to tiering when it is not.
 * The tiering is decided once per process (the module is compiled once); the start parameters follow
 * each directory.
 */
export function startupProfile(dataDir: string): { startParams: string[] } {
  const small = process.env.STRATA_PGLITE_TIER_UP !== '1' && dataDirBytes(dataDir) < LARGE_DATA_DIR_BYTES;
  if (liftoffOnly === undefined) {
    liftoffOnly = small;
    // Both ways: bin/strata.js sets Liftoff only before it compiles the program (see there).
    setFlagsFromString(small ? '--liftoff-only' : '--no-liftoff-only');
  }
  return { startParams: small ? ['-c', `shared_buffers=${SMALL_SHARED_BUFFERS}`] : [] };
}

/** The size of the data directory: as kept in SIZE_FILE when that is recent, else measured (and kept). */
function dataDirBytes(dir: string): number {
  const file = join(dir, SIZE_FILE);
  try {
    if (Date.now() - statSync(file).mtimeMs < SIZE_MAX_AGE_MS) {
      const { bytes } = JSON.parse(readFileSync(file, 'utf8')) as { bytes?: unknown };
      if (typeof bytes === 'number') return bytes;
    }
  } catch {
    // None yet, or unreadable: measured.
  }
  const bytes = folderBytes(dir, LARGE_DATA_DIR_BYTES);
  // Not into a directory PGlite is about to create a database in: it must stay empty until then. Whole
  // or not at all: prepareAdapter measures before the lock is taken, so two processes may write at once.
  if (existsSync(join(dir, 'PG_VERSION'))) {
    try {
      writeFileAtomic(file, `${JSON.stringify({ bytes })}\n`);
    } catch {
      // A read-only directory: measured each time.
    }
  }
  return bytes;
}

/** The size of a folder's files, counted up to `limit` (then it stops). */
function folderBytes(dir: string, limit: number): number {
  let total = 0;
  const walk = (folder: string) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (total >= limit) return;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) total += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
    }
  };
  walk(dir);
  return total;
}
