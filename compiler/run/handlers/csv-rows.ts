import { closeSync, openSync, readSync } from 'node:fs';
import { lastRowEnd } from '../../adapters/pglite/csv-chunks.js';

const QUOTE = 0x22;
const NEWLINE = 0x0a;


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

/**
 * The 1-based line of the file where logical CSV row `row` (1 = the header) starts: the same number
 * unless quoted values before it span lines. Reads only up to that row.
 */
export function lineOfRow(path: string, row: number): number {
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let line = 1;
  let rowsDone = 1;
  let quoted = false;
  let position = 0;
  try {
    while (rowsDone < row) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) return line;
      position += read;
      for (let i = 0; i < read && rowsDone < row; i++) {
        const byte = buffer[i];
        if (byte === QUOTE) quoted = !quoted;
        else if (byte === NEWLINE) {
          line++;
          if (!quoted) rowsDone++;
        }
      }
    }
    return line;
  } finally {
    closeSync(fd);
  }
}
