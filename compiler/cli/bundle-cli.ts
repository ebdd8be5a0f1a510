/**
 * Build step (`npm run build`): bundles the command-line program (dist/compiler/, and the pure
 * JavaScript packages it imports) into a few ES module files under dist/bundle/cli/ with esbuild.
 * Node loads about 290 modules for `strata compile` from dist/ and node_modules/ (zod, yaml and yargs
 * are a hundred files each or near); resolving, reading and compiling them one by one is a tenth of
 * a second before the first line of a project is read, on every command. bin/strata.js runs the
 * bundle when it is at least as new as dist/compiler/ (a `tsc` alone makes dist/ win).
 *
 * Left outside the bundle, loaded from node_modules/ as they are: packages with files of their own
 * (PGlite's WebAssembly, Playwright's browser driver), the database drivers, and what the code already
 * loads lazily through `createRequire` (nunjucks, dagre).
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/compiler/cli/. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Same depth as dist/compiler/cli/, so paths relative to `import.meta.url` (package.json, dist/docs-site/) hold. */
const out = `${root}dist/bundle/cli`;

const EXTERNAL = ['@electric-sql/pglite', 'pg', 'pg-copy-streams', 'nunjucks', '@dagrejs/dagre', 'playwright-core', 'chokidar', 'esbuild'];

async function bundleCli(): Promise<void> {
  const { build } = await import('esbuild');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [`${root}dist/compiler/cli/main.js`],
    bundle: true,
    // Chunks: each command's modules are still loaded only by the command that needs them.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    external: EXTERNAL,
    // CommonJS packages inside an ES module bundle call `require` for Node's own modules.
    banner: { js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);" },
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

await bundleCli();
