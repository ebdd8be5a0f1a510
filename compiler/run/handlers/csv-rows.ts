import { closeSync, openSync, readSync } from 'node:fs';
import { lastRowEnd } from '../../csv/csv-chunks.js';

/**
 * The first `maxBytes` of a CSV file (more if its first row is longer), cut after its last whole row:
 * what type inference reads, so a seed of any size costs the same to inspect.
 */
export function readLeadingRows(path: string, maxBytes: number): { text: string; wholeFile: boolean } {
  const fd = openSync(path, 'r');
  try {
    let size = maxBytes;
    for (;;) {
      const buffer = Buffer.allocUnsafe(size);
      const read = readSync(fd, buffer, 0, size, 0);
      if (read < size) return { text: buffer.subarray(0, read).toString('utf8'), wholeFile: true };
      const end = lastRowEnd(buffer);
      if (end > 0) return { text: buffer.subarray(0, end).toString('utf8'), wholeFile: false };
      size *= 4;
    }
  } finally {
    closeSync(fd);
  }
}
