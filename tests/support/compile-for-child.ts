/**
 * Compiles a few TypeScript modules of the engine to plain ESM JavaScript in a temp directory, so a
 * child process started with plain `node` (no vitest, no loader) can import the real code.
 *
 * @example
 *   const out = compileForChild(['compiler/adapters/pglite/data-dir-lock.ts', 'compiler/diagnostics/strata-error.ts']);
 *   spawn('node', ['tests/fixtures/hold-lock.mjs', path.join(out, 'compiler/adapters/pglite/data-dir-lock.js'), dir]);
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Returns the output directory; files keep their paths relative to the repository root. */
export function compileForChild(files: string[]): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-child-'));
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "module" }\n');
  for (const file of files) {
    const source = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    const dest = path.join(out, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, outputText);
  }
  return out;
}
