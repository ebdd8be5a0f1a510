/**
 * The two keys of a project's config file that `deps` needs: `name` and `packages-install-path`.
 * Read here on purpose, with no other validation, so that `deps` works on a project whose models or
 * config the loader would reject, and on packages whose config uses keys Strata does not know.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlFile } from '../project/yaml-file.js';
import { DEPS_CODES, depsError, type DeclaredAt } from './deps-errors.js';

export const CONFIG_FILES = ['dbt_project.yml', 'project.yml'] as const;
export const DEFAULT_INSTALL_PATH = 'dbt_packages';

export interface PackageProjectConfig {
  /** Absolute path of the config file read. */
  file: string;
  name: string;
  /** As written (relative to the project dir unless absolute). */
  packagesInstallPath: string;
}

/**
 * The config file of `dir`: a package is a dbt project, so dbt_project.yml comes first; the root
 * project is a Strata project first (`preferProjectYml`).
 */
export function findConfigFile(dir: string, preferProjectYml = false): string | undefined {
  const names = preferProjectYml ? [...CONFIG_FILES].reverse() : CONFIG_FILES;
  for (const name of names) {
    const file = path.join(path.resolve(dir), name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Reads `name` and `packages-install-path` of the project in `dir`. `declaredAt` is the packages.yml
 * entry to blame when the project is a package that turns out to be broken.
 *
 * @example readProjectConfig('dbt_packages/dbt_utils').name // 'dbt_utils'
 */
export function readProjectConfig(dir: string, declaredAt?: DeclaredAt, label = path.basename(dir), preferProjectYml = false): PackageProjectConfig {
  const file = findConfigFile(dir, preferProjectYml);
  const broken = (reason: string) =>
    depsError(DEPS_CODES.brokenPackage, `package '${label}' ${reason}`, declaredAt, 'a package must be a dbt project: a dbt_project.yml with a name: key at its root (check the subdirectory)');
  if (!file) throw broken(`has no dbt_project.yml (looked in ${dir})`);
  let value: unknown;
  try {
    value = parseYamlFile(file, readFileSync(file, 'utf8'), DEPS_CODES.brokenPackage).value;
  } catch (error) {
    throw broken(`has an unreadable ${path.basename(file)}: ${(error as Error).message.split('\n')[0]}`);
  }
  const config = (value ?? {}) as Record<string, unknown>;
  if (typeof config !== 'object' || Array.isArray(config) || typeof config.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.name)) {
    throw broken(`has no valid name: in ${path.basename(file)} (a name is letters, digits and underscores)`);
  }
  const installPath = config['packages-install-path'];
  return { file, name: config.name, packagesInstallPath: typeof installPath === 'string' && installPath.trim() ? installPath : DEFAULT_INSTALL_PATH };
}
