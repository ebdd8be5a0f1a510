/**
 * Where `deps` put the packages, for the loader: the install path of a project and the package folders
 * in it. Reads only the project config's `packages-install-path`; the staging folders of a running
 * `deps` (dot-prefixed) are not packages.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { findConfigFile, readProjectConfig } from './project-config.js';

export interface InstalledPackageDir {
  /** The folder name, which is the package's project name. */
  name: string;
  /** Absolute path (a symlink for local packages). */
  dir: string;
}

/**
 * The absolute install path of the project in `projectDir` (`packages-install-path`, default
 * `dbt_packages`).
 *
 * @example packagesInstallPath('/work/pagila') // '/work/pagila/dbt_packages'
 */
export function packagesInstallPath(projectDir: string): string {
  const root = path.resolve(projectDir);
  const configured = findConfigFile(root, true) ? readProjectConfig(root, undefined, 'the root project', true).packagesInstallPath : 'dbt_packages';
  return path.resolve(root, configured);
}

/**
 * The installed packages: each folder of the install path holding a dbt_project.yml (or project.yml),
 * sorted by name.
 *
 * @example listInstalledPackages('.') // [{ name: 'dbt_utils', dir: '/p/dbt_packages/dbt_utils' }]
 */
export function listInstalledPackages(projectDir: string): InstalledPackageDir[] {
  const installPath = packagesInstallPath(projectDir);
  if (!existsSync(installPath)) return [];
  return readdirSync(installPath)
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ name, dir: path.join(installPath, name) }))
    .filter(({ dir }) => {
      try {
        return statSync(dir).isDirectory() && findConfigFile(dir) !== undefined;
      } catch {
        return false;
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
