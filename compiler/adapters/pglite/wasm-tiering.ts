/**
 * How V8 compiles PGlite's Postgres (about 9 MB of WebAssembly) in each process. By default each
 * function is compiled quickly (Liftoff) and, once it has run enough, again by the optimizing compiler
 * (TurboFan) on background threads. No compiled WebAssembly is kept between processes, and starting
 * Postgres alone runs enough of it to send hundreds of functions to TurboFan: on this 2-core machine an
 * embedded `build --select gold_customer_metrics` spent 2.1 to 2.3 s of CPU against 0.94 to 0.99 s with
 * Liftoff alone, and a whole Pagila build at scale 1 and 10 (a 223 MB data directory) was no slower on
 * Liftoff alone (19.7 and 27.2 s against 23.0 and 27.6 s at scale 10). Long queries over much data do
 * gain from TurboFan (a 3-million-row aggregate ran 1.2 times slower on Liftoff alone), so a data
 * directory of a gibibyte or more keeps the default.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';

/** From this size on, the optimizing compiler is kept. */
const LARGE_DATA_DIR_BYTES = 1024 ** 3;

let decided = false;

/**
 * Before the first PGlite of the process is created: Liftoff only, unless the data directory is large.
 * Later calls change nothing (the module is compiled once per process).
 */
export function chooseWasmTiering(dataDir: string): void {
  if (decided) return;
  decided = true;
  if (process.env.STRATA_PGLITE_TIER_UP === '1' || folderBytes(dataDir, LARGE_DATA_DIR_BYTES) >= LARGE_DATA_DIR_BYTES) return;
  setFlagsFromString('--liftoff-only');
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
