import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * The offset just past the last row end (a newline outside quotes) in `bytes`, or -1. `bytes` must start
 * at a row boundary. Without a quote in the buffer this is one `lastIndexOf`; otherwise every byte is
 * looked at, since a quoted value may hold newlines (`""` inside quotes toggles twice and stays quoted).
 *
 * @example lastRowEnd(Buffer.from('a,b\n1,"x\ny"\n2,'))  // 13
 */
export function lastRowEnd(bytes: Uint8Array): number {
  if (bytes.indexOf(QUOTE) < 0) {
    const at = bytes.lastIndexOf(NEWLINE);
    return at < 0 ? -1 : at + 1;
  }
  let quoted = false;
  let end = -1;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === QUOTE) quoted = !quoted;
    else if (byte === NEWLINE && !quoted) end = i + 1;
  }
  return end;
}

/**
 * A CSV file as pieces of whole rows of about `chunkBytes` each, read as a stream: PGlite's COPY reads
 * its input from one in-memory blob, so a file goes in piece by piece and memory stays bounded.
 *
 * @example for await (const piece of csvChunks('seeds/rental.csv', 8 << 20)) await copyPiece(piece);
 */
export async function* csvChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const data of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    pending.push(data);
    pendingBytes += data.length;
    if (pendingBytes < chunkBytes) continue;
    const joined = Buffer.concat(pending, pendingBytes);
    const end = lastRowEnd(joined);
    if (end <= 0) {
      // One row longer than a chunk: keep reading until it ends.
      pending = [joined];
      continue;
    }
    yield joined.subarray(0, end);
    const rest = joined.subarray(end);
    pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    pendingBytes = rest.length;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Newlines in `bytes`: the lines of a piece of whole rows (Postgres counts a quoted newline as a line too). */
export function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at >= 0; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * Adds `linesBefore` to the line number in a COPY error's context (`COPY t, line 3, column a: "x"`),
 * so an error in a later piece names the file's line.
 */
export function renumberCopyLine(error: unknown, linesBefore: number): void {
  const target = error as { where?: unknown };
  if (!target || typeof target.where !== 'string') return;
  target.where = target.where.replace(/^(COPY [^\n]*?, line )(\d+)/, (_, head: string, line: string) => `${head}${Number(line) + linesBefore}`);
}
