/**
 * package-lock.yml, in dbt's shape: the flattened list of every package installed (direct and
 * transitive) with what it resolved to, and `sha1_hash` of the packages.yml entries it came from.
 *
 *   packages:
 *     - package: dbt-labs/dbt_utils
 *       name: dbt_utils
 *       version: 1.4.1
 *     - git: https://github.com/org/repo.git
 *       name: my_pkg
 *       revision: 0f3a…
 *   sha1_hash: 1c2e…
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseYamlFile, type YamlFile } from '../project/yaml-file.js';
import { DEPS_CODES } from './deps-errors.js';

export const LOCK_FILE = 'package-lock.yml';

export interface LockFile {
  yaml: YamlFile;
  hash?: string;
  entries: unknown[];
}

/**
 * The hash dbt writes: each entry serialized as Python's `json.dumps(entry, sort_keys=True)`, the
 * strings sorted, joined by newlines, sha1. Entry order does not matter; any other change does.
 */
export function packagesHash(entries: ReadonlyArray<Record<string, unknown>>): string {
  const lines = entries.map((entry) => pythonJson(entry)).sort();
  return createHash('sha1').update(lines.join('\n'), 'utf8').digest('hex');
}

/** JSON with Python's default separators, sorted keys and ASCII escapes. */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((key) => `${pythonJson(key)}: ${pythonJson(record[key])}`).join(', ')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** The lock beside the packages file in `dir`, or undefined when there is none. */
export function readLockFile(dir: string, displayDir = ''): LockFile | undefined {
  const file = path.join(dir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  const yaml = parseYamlFile(path.posix.join(displayDir, LOCK_FILE), readFileSync(file, 'utf8'), DEPS_CODES.invalidYaml);
  const value = (yaml.value ?? {}) as Record<string, unknown>;
  return {
    yaml,
    hash: typeof value.sha1_hash === 'string' ? value.sha1_hash : undefined,
    entries: Array.isArray(value.packages) ? value.packages : [],
  };
}

export function writeLockFile(dir: string, entries: Record<string, unknown>[], hash: string): string {
  const file = path.join(dir, LOCK_FILE);
  writeFileSync(file, stringify({ packages: entries, sha1_hash: hash }, { lineWidth: 0 }));
  return file;
}
