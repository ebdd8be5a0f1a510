import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** An object member whose own members are produced (and stringified) one at a time. */
export class StreamedObject {
  constructor(readonly entries: () => Iterable<readonly [string, unknown]>) {}
}

/** A value already written as JSON text. */
export class RawJson {
  constructor(readonly text: string) {}
}

const CHUNK_BYTES = 1 << 20;

/**
 * Writes a JSON object to `file` without ever holding it as one string: members whose value is a
 * `StreamedObject` are produced, stringified and written one at a time, in chunks of 1 MB. At 10,000
 * models manifest.json is tens of MB; as one string, then one Buffer of fresh memory, its write took
 * five times as long, and mapping every node to dbt's shape before writing would hold all of them.
 *
 * @example writeJsonStream('target/manifest.json', [['metadata', {...}], ['nodes', new StreamedObject(() => mapped())]])
 */
export function writeJsonStream(file: string, members: Iterable<readonly [string, unknown]>): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    // Texts are encoded straight into one reused buffer (appending them to a string, then encoding
    // that, spent most of the time flattening the string).
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    const writeAll = (bytes: Buffer, length: number) => {
      for (let written = 0; written < length; ) written += writeSync(fd, bytes, written, length - written);
    };
    const flush = () => {
      writeAll(buffer, used);
      used = 0;
    };
    const emit = (text: string) => {
      // A UTF-16 code unit takes at most 3 bytes in UTF-8, so `text` fits whole (write() never splits a character).
      if (used + text.length * 3 > CHUNK_BYTES) flush();
      if (text.length * 3 > CHUNK_BYTES) {
        const bytes = Buffer.from(text, 'utf8');
        writeAll(bytes, bytes.length);
      } else {
        used += buffer.write(text, used, 'utf8');
      }
    };
    let separator = '{';
    for (const [key, value] of members) {
      if (value instanceof StreamedObject) {
        emit(`${separator}${JSON.stringify(key)}:`);
        let memberSeparator = '{';
        for (const [member, item] of value.entries()) {
          const text = item instanceof RawJson ? item.text : (JSON.stringify(item) as string | undefined);
          if (text === undefined) continue;
          // Two writes, not one concatenation: a node's text is kilobytes, and joining copies it.
          emit(`${memberSeparator}${JSON.stringify(member)}:`);
          emit(text);
          memberSeparator = ',';
        }
        emit(memberSeparator === '{' ? '{}' : '}');
      } else {
        const text = JSON.stringify(value) as string | undefined;
        if (text === undefined) continue;
        emit(`${separator}${JSON.stringify(key)}:${text}`);
      }
      separator = ',';
    }
    emit(separator === '{' ? '{}' : '}');
    flush();
  } finally {
    closeSync(fd);
  }
}
