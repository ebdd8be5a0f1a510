/**
 * The shape DESIGN.md gives the engine, checked on the source: no file under compiler/ over 400 lines;
 * outside compiler/adapters/, only the adapter interface (adapters/adapter.ts) is imported from there,
 * so a driver can change without its callers noticing; compiler/diagnostics/ is a leaf that imports no
 * other stage. Imports are read with TypeScript's own scanner (static, `export ... from`, type-only
 * and dynamic `import()` alike), not by a pattern that a comment or a string could fool.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/strata-cli.js';

const COMPILER = path.join(REPO_ROOT, 'compiler');
const MAX_LINES = 400;

/** Every file under compiler/, as a path relative to it with `/` separators. */
function compilerFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else found.push(path.relative(COMPILER, full).split(path.sep).join('/'));
    }
  };
  walk(COMPILER);
  return found.sort();
}

function lineCount(text: string): number {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length;
}

/**
 * The modules a source file imports, relative to compiler/ (`adapters/adapter.ts`); packages and
 * node: modules are left out.
 *
 * @example importsOf('cli/run-command.ts', "import { openAdapter } from '../adapters/adapter.js';") → ['adapters/adapter.ts']
 */
function importsOf(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.posix.normalize(path.posix.join(path.posix.dirname(file), name)).replace(/\.js$/, '.ts'));
}

/** Why `from` may not import `to` (both relative to compiler/), or undefined when it may. */
function boundaryProblem(from: string, to: string): string | undefined {
  const folder = (file: string) => file.split('/')[0];
  if (folder(to) === 'adapters' && folder(from) !== 'adapters' && to !== 'adapters/adapter.ts') {
    return `${from} imports ${to}: outside adapters/, import the adapter interface (adapters/adapter.ts) only`;
  }
  if (folder(from) === 'diagnostics' && folder(to) !== 'diagnostics') {
    return `${from} imports ${to}: diagnostics/ is a leaf that imports no other stage`;
  }
  return undefined;
}

describe('the stage boundaries of compiler/', () => {
  const files = compilerFiles();
  const sources = files.filter((file) => /\.(ts|js)$/.test(file));

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file, lines: lineCount(fs.readFileSync(path.join(COMPILER, file), 'utf8')) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('imports from adapters/ only its interface outside it, and nothing from other stages into diagnostics/', () => {
    const problems = sources.flatMap((file) =>
      importsOf(file, fs.readFileSync(path.join(COMPILER, file), 'utf8'))
        .map((to) => boundaryProblem(file, to))
        .filter((problem): problem is string => problem !== undefined),
    );
    expect(problems).toEqual([]);
  });

  it('reads every kind of import, and only imports', () => {
    const text = [
      "import { openAdapter } from '../adapters/open-adapter.js';",
      "import type { Adapter } from '../adapters/adapter.js';",
      "export { quoteIdent } from '../sql/quote.js';",
      "const { openPglite } = await import('../adapters/pglite/pglite-adapter.js');",
      'import pc from \'picocolors\';',
      "// import { x } from '../adapters/postgres/postgres-adapter.js';",
      "const glob = 'models/**/*.sql'; const text = \"from '../adapters/target-lock.js'\";",
    ].join('\n');
    expect(importsOf('cli/run-command.ts', text).sort()).toEqual([
      'adapters/adapter.ts',
      'adapters/open-adapter.ts',
      'adapters/pglite/pglite-adapter.ts',
      'sql/quote.ts',
    ]);
  });

  it.each([
    ['cli/run-command.ts', 'adapters/adapter.ts', false],
    ['cli/run-command.ts', 'adapters/open-adapter.ts', true],
    ['watch/watch-loop.ts', 'adapters/pglite/session-queue.ts', true],
    ['adapters/open-adapter.ts', 'adapters/pglite/pglite-adapter.ts', false],
    ['adapters/pglite/pglite-adapter.ts', 'sql/quote.ts', false],
    ['diagnostics/strata-error.ts', 'diagnostics/mask-secrets.ts', false],
    ['diagnostics/strata-error.ts', 'run/events.ts', true],
    ['diagnostics/error-codes.ts', 'adapters/adapter.ts', true],
    ['render/renderer.ts', 'diagnostics/strata-error.ts', false],
  ])('%s importing %s is a problem: %s', (from, to, problem) => {
    expect(boundaryProblem(from, to) !== undefined).toBe(problem);
  });
});
