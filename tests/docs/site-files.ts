/** Reading a generated docs site back in tests. */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import type { SiteDashboard } from '../../compiler/docs/dashboard-data.js';
import type { SiteData } from '../../compiler/docs/site-data.js';

/** The data embedded in target/assets/data.js, evaluated as the page does. */
export function readSiteData(targetDir: string): SiteData {
  const sandbox: { window: { STRATA_DOCS?: SiteData } } = { window: {} };
  vm.runInNewContext(fs.readFileSync(path.join(targetDir, 'assets', 'data.js'), 'utf8'), sandbox);
  return sandbox.window.STRATA_DOCS!;
}

/** The dashboards embedded in target/assets/dashboards.js. */
export function readDashboards(targetDir: string): SiteDashboard[] {
  const sandbox: { window: { STRATA_DASHBOARDS?: SiteDashboard[] } } = { window: {} };
  vm.runInNewContext(fs.readFileSync(path.join(targetDir, 'assets', 'dashboards.js'), 'utf8'), sandbox);
  return sandbox.window.STRATA_DASHBOARDS!;
}

export function textFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
