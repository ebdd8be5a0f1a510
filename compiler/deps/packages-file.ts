/**
 * packages.yml (or dependencies.yml) → a list of package specs, each knowing the line that declared it.
 * String values may use `{{ env_var('NAME') }}` / `{{ env_var('NAME', 'default') }}` as in dbt (git
 * credentials); the unrendered entry is kept for the lock file and its hash, so secrets stay out of it.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlFile, type YamlFile } from '../project/yaml-file.js';
import { DEPS_CODES, depsError, type DeclaredAt } from './deps-errors.js';
import { parseRange, type VersionRange } from './version-range.js';

export const PACKAGE_FILES = ['packages.yml', 'dependencies.yml'] as const;

interface SpecBase {
  declaredAt: DeclaredAt;
  /** Who asked: `the root project`, or a package name (with its version for hub packages). */
  requiredBy: string;
  /** The entry as written (env_var calls unrendered): what the lock's hash is computed from. */
  raw: Record<string, unknown>;
}

export interface LocalSpec extends SpecBase {
  kind: 'local';
  /** Absolute path of the package. */
  path: string;
  /** As written, for the lock file. */
  written: string;
}

export interface GitSpec extends SpecBase {
  kind: 'git';
  url: string;
  /** Tag, branch or commit; undefined means the remote's default branch (HEAD). */
  revision?: string;
  subdirectory?: string;
  warnUnpinned: boolean;
}

export interface HubSpec extends SpecBase {
  kind: 'hub';
  /** `org/name` as written. */
  package: string;
  range: VersionRange;
  installPrerelease: boolean;
}

export interface TarballSpec extends SpecBase {
  kind: 'tarball';
  url: string;
  name: string;
}

export type PackageSpec = LocalSpec | GitSpec | HubSpec | TarballSpec;

export interface PackagesFile {
  /** Absolute path of the file read, undefined when the project has none. */
  file?: string;
  specs: PackageSpec[];
  /** The entries as written, in order. */
  raw: Record<string, unknown>[];
}

/**
 * Reads the packages file of the project (or package) in `dir`. `displayDir` is how `dir` is named in
 * diagnostics (relative to the root project); `requiredBy` names the declaring project in messages.
 *
 * @example readPackagesFile('/p', { displayDir: '', requiredBy: 'the root project' }).specs[0].kind // 'hub'
 */
export function readPackagesFile(dir: string, context: { displayDir: string; requiredBy: string; env?: NodeJS.ProcessEnv }): PackagesFile {
  const found: { file: string; yaml: YamlFile; list: unknown }[] = [];
  for (const name of PACKAGE_FILES) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    const display = path.posix.join(context.displayDir.split(path.sep).join('/'), name);
    const yaml = parseYamlFile(display, readFileSync(file, 'utf8'), DEPS_CODES.invalidYaml);
    const value = yaml.value as Record<string, unknown> | null;
    const list = value && typeof value === 'object' && !Array.isArray(value) ? value.packages : undefined;
    if (list !== undefined && list !== null) found.push({ file, yaml, list });
  }
  if (found.length === 0) return { specs: [], raw: [] };
  if (found.length > 1) {
    throw depsError(DEPS_CODES.bothFiles, 'both packages.yml and dependencies.yml declare packages:', { file: found[1].yaml.path, ...found[1].yaml.locate(['packages']) }, 'keep the packages: list in one of the two files');
  }
  const { file, yaml, list } = found[0];
  if (!Array.isArray(list)) {
    throw depsError(DEPS_CODES.invalidEntry, 'packages: must be a list', { file: yaml.path, ...yaml.locate(['packages']) }, "e.g. packages:\n  - package: dbt-labs/dbt_utils\n    version: [\">=1.0.0\", \"<2.0.0\"]");
  }
  const specs = list.map((entry, index) => parseSpec(entry, { file: yaml.path, ...yaml.locate(['packages', index]) }, dir, context.requiredBy, context.env ?? process.env));
  return { file, specs, raw: list as Record<string, unknown>[] };
}

/** One entry of a `packages:` list (also used for hub metadata and lock entries). */
export function parseSpec(entry: unknown, declaredAt: DeclaredAt, baseDir: string, requiredBy: string, env: NodeJS.ProcessEnv): PackageSpec {
  const invalid = (message: string, hint?: string) => depsError(DEPS_CODES.invalidEntry, message, declaredAt, hint);
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw invalid('a package entry must be a mapping', 'use one of local:, git:, package: or tarball:');
  const raw = entry as Record<string, unknown>;
  const sources = ['local', 'git', 'package', 'tarball'].filter((key) => key in raw);
  if (sources.length !== 1) {
    throw invalid(sources.length === 0 ? `unknown package entry (keys: ${Object.keys(raw).join(', ') || 'none'})` : `a package entry has one source, this one has ${sources.join(' and ')}`, 'use exactly one of local:, git:, package: or tarball:');
  }
  const text = (key: string, required = false): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (required) throw invalid(`'${key}' is required here`);
      return undefined;
    }
    if (typeof value !== 'string' && typeof value !== 'number') throw invalid(`'${key}' must be a string`);
    return renderEnvVars(String(value), env, invalid);
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') throw invalid(`'${key}' must be true or false`);
    return value;
  };
  const base = { declaredAt, requiredBy, raw };
  switch (sources[0]) {
    case 'local': {
      const written = text('local', true)!;
      return { ...base, kind: 'local', path: path.resolve(baseDir, written), written };
    }
    case 'git': {
      const subdirectory = text('subdirectory');
      if (subdirectory && (path.isAbsolute(subdirectory) || subdirectory.split(/[\\/]/).includes('..'))) throw invalid(`subdirectory '${subdirectory}' must stay inside the repository`);
      return { ...base, kind: 'git', url: text('git', true)!, revision: text('revision'), subdirectory: subdirectory?.replace(/^\.\/|\/$/g, '') || undefined, warnUnpinned: flag('warn-unpinned', true) };
    }
    case 'package': {
      const name = text('package', true)!;
      if (!/^[^/\s]+\/[^/\s]+$/.test(name)) throw invalid(`hub package '${name}' must be written org/name`, 'e.g. package: dbt-labs/dbt_utils');
      const version = raw.version;
      if (version === undefined || version === null) throw invalid(`hub package '${name}' has no version`, 'add e.g. version: [">=1.0.0", "<2.0.0"]');
      const parts = Array.isArray(version) ? version : [version];
      if (!parts.every((p) => typeof p === 'string' || typeof p === 'number')) throw invalid(`version of '${name}' must be a string or a list of strings`);
      const range = parseRange(parts.map((p) => renderEnvVars(String(p), env, invalid)));
      if (!range) throw invalid(`version ${JSON.stringify(version)} of '${name}' is not understood`, 'use versions like "1.4.1" or bounds like ">=1.0.0", "<2.0.0"');
      return { ...base, kind: 'hub', package: name, range, installPrerelease: flag('install-prerelease', false) };
    }
    default: {
      const name = text('name', true)!;
      return { ...base, kind: 'tarball', url: text('tarball', true)!, name };
    }
  }
}

const ENV_VAR = /\{\{\s*env_var\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?\)\s*\}\}/g;

function renderEnvVars(value: string, env: NodeJS.ProcessEnv, invalid: (message: string, hint?: string) => Error): string {
  return value.replace(ENV_VAR, (_match, _q, name: string, _q2, fallback: string | undefined) => {
    const found = env[name] ?? fallback;
    if (found === undefined) throw invalid(`env var '${name}' is not set`, `set ${name} or give env_var a default`);
    return found;
  });
}
