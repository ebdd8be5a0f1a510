import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One file of the project, read once. */
export interface ProjectFile {
  /** Relative to the project root, forward slashes. */
  path: string;
  absolutePath: string;
  text: string;
  /** sha256 of the text. */
  checksum: string;
}

export function checksumOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

/** Every file under `folders` (relative to `root`) whose name ends with one of `extensions`, sorted by path. */
export function listFiles(root: string, folders: string[], extensions: string[]): string[] {
  const found: string[] = [];
  for (const folder of folders) {
    const base = join(root, folder);
    if (!existsSync(base)) continue;
    for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      if (!extensions.some((ext) => entry.name.endsWith(ext))) continue;
      const parent = (entry as { parentPath?: string; path?: string }).parentPath ?? (entry as { path: string }).path;
      found.push(toPosix(relative(root, join(parent, entry.name))));
    }
  }
  return [...new Set(found)].sort();
}

export function readProjectFile(root: string, path: string): ProjectFile {
  const absolutePath = join(root, path);
  const text = readFileSync(absolutePath, 'utf8');
  return { path, absolutePath, text, checksum: checksumOf(text) };
}
