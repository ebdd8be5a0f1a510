import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './project-files.js';

interface Digests {
  sha1: string;
  sha256: string;
}

interface CachedDigests extends Digests {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Where a project keeps the digests of its large files between commands. */
export const DIGEST_CACHE_FILE = '.strata/file-digests.json';

/** Files smaller than this are hashed every time (reading them costs less than the bookkeeping). */
const CACHED_FROM_BYTES = 1 << 20;

/** A file changed less than this long ago may change again within the same mtime tick: not cached. */
const RACY_MS = 2_000;

/** Per project root: the cache file's entries, by path relative to the root. */
const caches = new Map<string, Map<string, CachedDigests>>();

/**
 * A project file's hex digest, read in 1 MiB pieces: a seed CSV of any size is hashed in bounded memory,
 * and one read gives both digests (sha1 for fingerprints, sha256 for dbt's checksums). Large files are
 * remembered in `.strata/file-digests.json` by size, mtime and inode, so a command that does not touch a
 * 100 MB seed does not read it again (as git's index does, a file changed in the last two seconds is
 * always read). Throws when the file cannot be read.
 *
 * @example fileDigest('/work/pagila', 'seeds/rental.csv', 'sha256')  // '9f86d08…'
 */
export function fileDigest(root: string, path: string, algorithm: keyof Digests): string {
  const fd = openSync(join(root, path), 'r');
  try {
    const stat = fstatSync(fd);
    const cache = cacheOf(root);
    const known = cache.get(path);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.ino === stat.ino) return known[algorithm];
    const digests = hashFile(fd);
    if (stat.size >= CACHED_FROM_BYTES) {
      cache.set(path, { ...digests, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino });
      if (Date.now() - stat.mtimeMs > RACY_MS) saveCache(root, cache);
    }
    return digests[algorithm];
  } finally {
    closeSync(fd);
  }
}

function hashFile(fd: number): Digests {
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0, read = readSync(fd, buffer, 0, buffer.length, 0); read > 0; read = readSync(fd, buffer, 0, buffer.length, (position += read))) {
    const piece = buffer.subarray(0, read);
    sha1.update(piece);
    sha256.update(piece);
  }
  return { sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
}

function cacheOf(root: string): Map<string, CachedDigests> {
  let cache = caches.get(root);
  if (!cache) {
    cache = new Map();
    try {
      const entries = JSON.parse(readFileSync(join(root, DIGEST_CACHE_FILE), 'utf8')) as Record<string, CachedDigests>;
      for (const [path, entry] of Object.entries(entries)) if (entry && typeof entry.sha1 === 'string' && typeof entry.sha256 === 'string') cache.set(path, entry);
    } catch {
      // No cache yet, or an unreadable one: every file is hashed and the cache written again.
    }
    caches.set(root, cache);
  }
  return cache;
}

/** Written whole to a temporary file and renamed, so a reader never sees half of it. */
function saveCache(root: string, cache: Map<string, CachedDigests>): void {
  try {
    const file = join(root, DIGEST_CACHE_FILE);
    mkdirSync(join(root, '.strata'), { recursive: true });
    writeFileAtomic(file, JSON.stringify(Object.fromEntries(cache)));
  } catch {
    // A read-only project still works: its large files are hashed on every command.
  }
}
