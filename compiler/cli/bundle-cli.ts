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
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';
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
    plugins: [lazyStringWidth],
  });
}

/**
 * yargs and cliui measure text with string-width, whose module creates an Intl.Segmenter as it loads
 * (ICU's break iterator data: 10 to 15 ms, for each of the two copies installed). They measure only to
 * lay out help, so each copy is loaded on its first call instead: an `import stringWidth from
 * 'string-width'` gets a small module whose function requires the real one (esbuild then runs that
 * module, and what it imports, on the first require, not when the bundle starts).
 */
const lazyStringWidth: Plugin = {
  name: 'lazy-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if ((args.pluginData as { real?: boolean } | undefined)?.real) return undefined;
      const real = await build.resolve(args.path, { importer: args.importer, resolveDir: args.resolveDir, kind: args.kind, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: `let real;\nexport default function stringWidth(...args) {\n  real ??= require(${JSON.stringify(args.path)}).default;\n  return real(...args);\n}\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

await bundleCli();
