/**
 * One table of error codes (compiler/diagnostics/error-codes.ts): every code raised in compiler/ is in
 * it, raised only from the files it lists, and no two entries share a meaning. A code reused for a
 * second meaning in another file shows up here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../compiler/diagnostics/error-codes.js';
import { REPO_ROOT } from '../support/strata-cli.js';

const COMPILER = path.join(REPO_ROOT, 'compiler');

/** code → files (relative to compiler/) whose code, outside comments, names it. */
function codesInSource(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !full.endsWith(path.join('diagnostics', 'error-codes.ts'))) {
        const code = fs.readFileSync(full, 'utf8').split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join('\n');
        for (const match of code.matchAll(/['"`](STR\d{3})['"`]/g)) {
          const file = path.relative(COMPILER, full).split(path.sep).join('/');
          found.set(match[1], (found.get(match[1]) ?? new Set()).add(file));
        }
      }
    }
  };
  walk(COMPILER);
  return found;
}

describe('the table of error codes', () => {
  const used = codesInSource();

  it('has every code raised in compiler/, each from the files it lists', () => {
    const problems: string[] = [];
    for (const [code, files] of used) {
      const entry = ERROR_CODES[code];
      if (!entry) {
        problems.push(`${code} (raised in ${[...files].join(', ')}) is not in the table`);
        continue;
      }
      for (const file of files) if (!entry.raisedIn.includes(file)) problems.push(`${code} ('${entry.meaning}') is also raised in ${file}`);
    }
    expect(problems).toEqual([]);
  });

  it('gives each code one meaning, and each meaning one code', () => {
    const meanings = Object.values(ERROR_CODES).map((e) => e.meaning.toLowerCase());
    expect(new Set(meanings).size).toBe(meanings.length);
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^STR\d{3}$/);
      expect(entry.meaning.length).toBeGreaterThan(5);
    }
  });

  it('lists no code that nothing raises', () => {
    const unused = Object.keys(ERROR_CODES).filter((code) => !used.has(code));
    expect(unused).toEqual([]);
  });

  it('keeps STR160 for --state and STR430 for contracts (show and hooks have codes of their own)', () => {
    expect(used.get('STR160')).toEqual(new Set(['graph/state-manifest.ts']));
    expect(used.get('STR430')).toEqual(new Set(['run/contract.ts']));
    expect(used.get('STR163')).toEqual(new Set(['cli/inspect-commands.ts']));
    expect(used.get('STR435')).toEqual(new Set(['run/project-hooks.ts']));
  });
});
