/**
 * Build step (`npm run build`): bundles the docs page's script (site/*.js and the selector modules of
 * graph/, through page-select.ts) into one classic script with esbuild, and copies the page's HTML and
 * CSS beside it, into dist/docs-site/. A classic script, not ES modules: Chromium refuses module
 * scripts on file:// pages, and the site must open from disk.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/compiler/docs/. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${root}dist/docs-site`;

async function bundleSite(): Promise<void> {
  const { build } = await import('esbuild');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${root}compiler/docs/site/main.js`],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    outfile: `${out}/strata-docs.js`,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(`${root}compiler/docs/site/${file}`, `${out}/${file}`);
}

await bundleSite();
