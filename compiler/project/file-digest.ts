import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

interface Digests {
  sha1: string;
  sha256: string;
}

/** Keyed by path, size and modification time: a file is read once per process however often it is asked for. */
const digests = new Map<string, Digests>();

/**
 * A file's hex digest, read in 1 MiB pieces: a seed CSV of any size is hashed in bounded memory, and the
 * one read gives both digests (sha1 for fingerprints, sha256 for dbt's checksums). Throws when the file
 * cannot be read.
 *
 * @example fileDigest('/abs/seeds/rental.csv', 'sha256')  // '9f86d08…'
 */
export function fileDigest(path: string, algorithm: keyof Digests): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    const key = `${path}\0${stat.size}\0${stat.mtimeMs}`;
    let found = digests.get(key);
    if (!found) {
      const sha1 = createHash('sha1');
      const sha256 = createHash('sha256');
      const buffer = Buffer.allocUnsafe(1 << 20);
      for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) {
        const piece = buffer.subarray(0, read);
        sha1.update(piece);
        sha256.update(piece);
      }
      found = { sha1: sha1.digest('hex'), sha256: sha256.digest('hex') };
      digests.set(key, found);
    }
    return found[algorithm];
  } finally {
    closeSync(fd);
  }
}
