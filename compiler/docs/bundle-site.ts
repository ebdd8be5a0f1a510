/**
 * Build step (`npm run build`): bundles the docs page's script (site/*.js and the selector modules of
 * graph/, through page-select.ts) into one classic script with esbuild, and copies the page's HTML and
 * CSS beside it, into dist/docs-site/; and the dashboards' script (site/dashboards/, with the parts of
 * ECharts it draws with) into a second file, loaded only when a dashboard is opened. A classic script, not ES modules: Chromium refuses module
 * scripts on file:// pages, and the site must open from disk.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
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
  const echarts = JSON.parse(readFileSync(`${root}node_modules/echarts/package.json`, 'utf8')) as { version: string; license: string };
  await build({
    entryPoints: [`${root}compiler/docs/site/dashboards/dashboards-main.js`],
    bundle: true,
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    banner: { js: `/*! Strata dashboards. Includes Apache ECharts ${echarts.version} (${echarts.license} License) and ZRender (BSD-3-Clause License). */` },
    outfile: `${out}/strata-dashboards.js`,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css']) copyFileSync(`${root}compiler/docs/site/${file}`, `${out}/${file}`);
}

await bundleSite();
