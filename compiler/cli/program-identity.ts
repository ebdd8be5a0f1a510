/**
 * Which build of Strata is running, as a string that changes with every build: what the parse cache and
 * the compile record are keyed by besides the project (a new build parses and compiles anew).
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let identity: string | undefined;

/**
 * Which build of Strata is running: the bundle's size and time (one file holds the whole program), or
 * under the modules of dist/compiler/ the newest of them; and the installed packages' lock (a new
 * nunjucks renders anew). Node's version too.
 */
export function programIdentity(): string {
  if (identity !== undefined) return identity;
  const self = fileURLToPath(import.meta.url);
  const parts = [process.version];
  if (self.endsWith('.cjs')) {
    const stat = statSync(self);
    parts.push(`${stat.size}:${stat.mtimeMs}`);
  } else {
    parts.push(newestUnder(dirname(dirname(self))));
  }
  const installed = statOrUndefined(fileURLToPath(new URL('../../../node_modules/.package-lock.json', import.meta.url)));
  if (installed) parts.push(`${installed.size}:${installed.mtimeMs}`);
  return (identity = parts.join('|'));
}

function newestUnder(dir: string): string {
  let newest = 0;
  let count = 0;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        newest = Math.max(newest, statSync(path).mtimeMs);
        count++;
      }
    }
  };
  walk(dir);
  return `${count}:${newest}`;
}

function statOrUndefined(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
