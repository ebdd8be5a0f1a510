/**
 * A .tar.gz reader for package tarballs: node:zlib for gzip and the ustar/pax/GNU subset GitHub's
 * codeload and `tar czf` produce. Our own instead of the `tar` package because a package tarball only
 * needs regular files and directories extracted into a fresh folder, which is ~100 lines; links and
 * devices are skipped, and every path is checked to stay inside the destination.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  path: string;
  type: 'file' | 'directory' | 'other';
  mode: number;
  data: Buffer;
}

const BLOCK = 512;

/** Reads every entry of an uncompressed tar archive; throws on a corrupt header. */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (!checksumMatches(header)) throw new Error(`corrupt tar header at byte ${offset}`);
    const size = readOctal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const data = archive.subarray(offset + BLOCK, offset + BLOCK + size);
    if (data.length < size) throw new Error('truncated tar archive');
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxPath = parsePax(data).path ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    const prefix = readString(header, 345, 155);
    const name = paxPath ?? longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
    longName = paxPath = undefined;
    entries.push({ path: name, type: type === '0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other', mode: readOctal(header, 100, 8), data });
  }
  return entries;
}

/**
 * Extracts a .tar.gz into `dest` (created). When every entry sits under one top-level folder (as in
 * GitHub tarballs, `dbt-utils-1.4.1/…`), that folder is stripped, so `dest` is the package root.
 *
 * @example extractTarGz(readFileSync('dbt_utils.tar.gz'), 'dbt_packages/.strata-deps-x/pkg-1')
 */
export function extractTarGz(gzipped: Buffer, dest: string): void {
  const entries = readTar(gunzipSync(gzipped)).filter((entry) => entry.type !== 'other');
  const parts = entries.map((entry) => normalizeEntryPath(entry.path)).map((p) => p.split('/'));
  const tops = new Set(parts.map((p) => p[0]));
  const strip = tops.size === 1 && parts.every((p, i) => p.length > 1 || entries[i].type === 'directory') ? 1 : 0;
  mkdirSync(dest, { recursive: true });
  entries.forEach((entry, index) => {
    const relative = parts[index].slice(strip).join('/');
    if (!relative) return;
    const target = path.join(dest, relative);
    if (entry.type === 'directory') mkdirSync(target, { recursive: true });
    else {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.data, { mode: (entry.mode & 0o777) | 0o600 });
    }
  });
  if (readdirSync(dest).length === 0) throw new Error('the tarball is empty');
}

/** `./a//b/` → `a/b`; absolute paths and `..` are refused (a tarball must not write outside its folder). */
function normalizeEntryPath(name: string): string {
  const parts = name.replace(/\\/g, '/').split('/').filter((part) => part !== '' && part !== '.');
  if (name.startsWith('/') || parts.includes('..')) throw new Error(`unsafe path in tarball: ${name}`);
  return parts.join('/');
}

function readString(buffer: Buffer, start: number, length: number): string {
  const slice = buffer.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end === -1 ? slice.length : end).toString('utf8');
}

function readOctal(buffer: Buffer, start: number, length: number): number {
  // GNU base-256 for sizes past 8 GiB is not needed for packages.
  const text = readString(buffer, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function checksumMatches(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  return sum === readOctal(header, 148, 8);
}

/** pax records are `<length> <key>=<value>\n`. */
function parsePax(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(32, offset);
    if (space === -1) break;
    const length = Number(data.subarray(offset, space).toString('utf8'));
    if (!length) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}
