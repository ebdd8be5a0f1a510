/**
 * Writes the static docs site into target/: index.html, and under assets/ the page's script and style
 * (bundled at build time into dist/docs-site/), dagre's browser build (copied from node_modules), the
 * dashboards' script (ECharts inside, bundled at build time) and the project's data as scripts that set globals: a page opened from file:// may load scripts but not
 * fetch JSON, so the data travels as `window.STRATA_DOCS = {...}`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SiteDashboard } from './dashboard-data.js';
import type { SiteData } from './site-data.js';

/** The files the site is made of, relative to the target directory. */
export const SITE_FILES = [
  'index.html',
  'assets/style.css',
  'assets/strata-docs.js',
  'assets/dagre.min.js',
  'assets/data.js',
  'assets/sql.js',
  'assets/strata-dashboards.js',
  'assets/dashboards.js',
] as const;

/**
 * `dashboards`: loaded by the page when a dashboard is opened, so the lineage's first paint does not wait
 * for ECharts or the dashboards' rows.
 *
 * @example writeSite('target', siteData(...), siteSql(manifest), dashboards)  // target/index.html and target/assets/
 */
export function writeSite(targetDir: string, data: SiteData, sql: Record<string, [string, string]>, dashboards: SiteDashboard[] = []): void {
  const built = builtSiteDir();
  const assets = join(targetDir, 'assets');
  mkdirSync(assets, { recursive: true });
  copyFileSync(join(built, 'index.html'), join(targetDir, 'index.html'));
  copyFileSync(join(built, 'style.css'), join(assets, 'style.css'));
  copyFileSync(join(built, 'strata-docs.js'), join(assets, 'strata-docs.js'));
  copyFileSync(join(built, 'strata-dashboards.js'), join(assets, 'strata-dashboards.js'));
  writeFileSync(join(assets, 'dagre.min.js'), dagreBrowserBuild());
  writeFileSync(join(assets, 'data.js'), `window.STRATA_DOCS=${scriptJson(data)};\n`);
  writeFileSync(join(assets, 'sql.js'), `window.STRATA_SQL=${scriptJson(sql)};\nwindow.dispatchEvent(new Event('strata-sql'));\n`);
  writeFileSync(join(assets, 'dashboards.js'), `window.STRATA_DASHBOARDS=${scriptJson(dashboards)};\n`);
}

/** dist/docs-site/, from dist/compiler/docs/ (the CLI) or from compiler/docs/ (tests importing the source). */
function builtSiteDir(): string {
  for (const candidate of ['../../docs-site/', '../../dist/docs-site/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, 'strata-docs.js'))) return dir;
  }
  // A broken install or checkout, not a project problem: reported as an internal error.
  throw new Error('the docs site bundle (dist/docs-site/) is missing: run npm run build');
}

/** dagre's browser build, with a banner naming it and its licence (the minified file has none). */
function dagreBrowserBuild(): string {
  const dist = dirname(createRequire(import.meta.url).resolve('@dagrejs/dagre'));
  const { version, license } = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string; license: string };
  return `/*! @dagrejs/dagre ${version}, ${license} License */\n${readFileSync(join(dist, 'dagre.min.js'), 'utf8')}`;
}

/** JSON that is also safe as JavaScript source (U+2028/2029 are line ends in older engines). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
