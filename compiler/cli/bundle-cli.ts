/**
 * Build step (`npm run build`): bundles the command-line program (dist/compiler/, and the pure
 * JavaScript packages it imports) into one CommonJS file, dist/bundle/cli/strata.cjs, with esbuild.
 * Node loads about 290 modules for `strata compile` from dist/ and node_modules/ (zod, yaml and yargs
 * are a hundred files each or near); resolving, reading and compiling them one by one is a tenth of
 * a second before the first line of a project is read, on every command. One script, unlike ES
 * modules on Node 20, can also be compiled with V8's code cache: bin/strata.js keeps one per command.
 * bin/strata.js runs the bundle when it is at least as new as dist/compiler/ (a `tsc` alone makes the
 * modules win). Modules the code imports lazily stay lazy: esbuild wraps each in a function run on
 * first import.
 *
 * Left outside the bundle, loaded from node_modules/ as they are: packages with files of their own
 * (PGlite's WebAssembly, Playwright's browser driver), pg's optional native binding, and what the code
 * already loads lazily through `createRequire` (nunjucks, dagre). The `pg` driver is inside: loading its
 * forty modules one by one cost every Postgres command 60 to 100 ms here.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/compiler/cli/. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Same depth as dist/compiler/cli/, so paths relative to `import.meta.url` (package.json, dist/docs-site/) hold. */
const out = `${root}dist/bundle/cli`;
export const BUNDLE_FILE = 'strata.cjs';

const EXTERNAL = ['@electric-sql/pglite', 'pg-native', 'nunjucks', '@dagrejs/dagre', 'playwright-core', 'chokidar', 'esbuild'];

async function bundleCli(): Promise<void> {
  const { build } = await import('esbuild');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [`${root}dist/compiler/cli/main.js`],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: `${out}/${BUNDLE_FILE}`,
    external: EXTERNAL,
    // `import()` of the packages left outside stays an import (PGlite is an ES module only).
    supported: { 'dynamic-import': true },
    // Every module's `import.meta.url` is the bundle's own (at dist/compiler/cli/'s depth, see above).
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

await bundleCli();
