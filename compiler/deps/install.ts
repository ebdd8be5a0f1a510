/**
 * `strata deps`: packages.yml → the install path (default `dbt_packages/`) + package-lock.yml.
 *
 * Nothing is half-installed. Every package is fetched into a staging folder inside the install path
 * (same file system, so a rename moves it); only when all of them are there and their names are
 * unique are they renamed into place, the previous copy of each moved aside first and put back if a
 * later rename fails. The staging folder is removed in every case.
 */
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { DEPS_CODES, depsError } from './deps-errors.js';
import { describeSpec, placeOf, ROOT_REQUIRER, scratchFolders, type FetchContext, type FetchedPackage, type PackageSource } from './fetch-package.js';
import { hubApiUrl } from './hub.js';
import { LOCK_FILE, packagesHash, readLockFile, writeLockFile } from './lock-file.js';
import { parseSpec, readPackagesFile, type PackageSpec } from './packages-file.js';
import { findConfigFile, readProjectConfig } from './project-config.js';
import { fetchResolved, lockEntryOf, nameOf, resolvePackages, type ResolvedPackage } from './resolve-packages.js';

export interface DepsOptions {
  projectDir: string;
  /** Re-resolve even when package-lock.yml matches packages.yml. */
  upgrade?: boolean;
  /** Resolve and write package-lock.yml; install nothing. */
  lockOnly?: boolean;
  /** Defaults to process.env (DBT_PACKAGE_HUB_URL, env_var() in packages.yml). */
  env?: NodeJS.ProcessEnv;
  /** Local packages are symlinked (as dbt does); false copies them. */
  symlinkLocal?: boolean;
  onEvent?: (event: DepsEvent) => void;
}

export type DepsEvent =
  | { type: 'installed'; name: string; source: PackageSource; version?: string; dir: string; linked: boolean }
  | { type: 'warning'; diagnostic: Diagnostic }
  | { type: 'info'; message: string };

export interface InstalledPackage {
  name: string;
  source: PackageSource;
  version?: string;
  /** Absolute path under the install path. */
  dir: string;
}

export interface DepsResult {
  /** Absolute install path. */
  installPath: string;
  packages: InstalledPackage[];
  /** Absolute path of package-lock.yml when it was written. */
  lockFile?: string;
  /** True when the packages came from package-lock.yml. */
  fromLock: boolean;
}

/**
 * Resolves and installs the packages of the project in `projectDir`.
 *
 * @example
 *   const result = await installDependencies({ projectDir: '.', onEvent: (e) => console.log(e) });
 *   result.packages.map((p) => p.dir); // ['/p/dbt_packages/dbt_utils']
 */
export async function installDependencies(options: DepsOptions): Promise<DepsResult> {
  const rootDir = path.resolve(options.projectDir);
  const emit = options.onEvent ?? (() => {});
  const env = options.env ?? process.env;
  if (!findConfigFile(rootDir, true)) {
    throw depsError(DEPS_CODES.brokenPackage, `no project.yml or dbt_project.yml in ${rootDir}`, undefined, 'run strata deps in the project folder, or pass --project-dir');
  }
  const config = readProjectConfig(rootDir, undefined, 'the root project', true);
  const installPath = path.resolve(rootDir, config.packagesInstallPath);
  const packagesFile = readPackagesFile(rootDir, { displayDir: '', requiredBy: ROOT_REQUIRER, env });
  if (packagesFile.specs.length === 0) {
    emit({ type: 'info', message: 'No packages to install (no packages: in packages.yml or dependencies.yml)' });
    return { installPath, packages: [], fromLock: false };
  }
  const hash = packagesHash(packagesFile.raw);
  const lock = readLockFile(rootDir);
  const useLock = !!lock && lock.hash === hash && !options.upgrade && !options.lockOnly;
  if (lock && !useLock && !options.upgrade && !options.lockOnly) emit({ type: 'info', message: `${LOCK_FILE} does not match the packages declared: resolving again` });

  mkdirSync(installPath, { recursive: true });
  const staging = mkdtempSync(path.join(installPath, '.strata-deps-'));
  const context: FetchContext = {
    rootDir,
    installPathRelative: path.relative(rootDir, installPath),
    staging,
    hubApi: hubApiUrl(env),
    env,
    warn: (diagnostic) => emit({ type: 'warning', diagnostic }),
    scratch: scratchFolders(staging),
    hubIndexes: new Map(),
  };
  try {
    const roots = useLock ? lockedSpecs(lock!, rootDir, env) : packagesFile.specs;
    const resolved = await resolvePackages(roots, context, !useLock);
    checkUniqueNames(resolved.map((node) => ({ name: nameOf(node), spec: node.spec })));
    if (options.lockOnly) {
      const lockFile = writeLockFile(rootDir, resolved.map(lockEntryOf), hash);
      emit({ type: 'info', message: `Wrote ${LOCK_FILE} (${resolved.length} ${resolved.length === 1 ? 'package' : 'packages'})` });
      return { installPath, packages: [], lockFile, fromLock: false };
    }
    const fetched = await fetchResolved(resolved, context);
    checkUniqueNames(fetched.map((pkg, i) => ({ name: pkg.name, spec: resolved[i].spec })));
    const placed = placePackages(fetched, resolved, installPath, staging, options.symlinkLocal ?? true);
    const lockFile = useLock ? undefined : writeLockFile(rootDir, fetched.map((pkg) => pkg.lockEntry), hash);
    for (const pkg of placed) emit({ type: 'installed', name: pkg.name, source: pkg.source, version: pkg.version, dir: pkg.dir, linked: pkg.linked });
    return { installPath, packages: placed.map(({ linked: _linked, ...pkg }) => pkg), lockFile, fromLock: useLock };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The entries of a lock file, as specs pinned to what was resolved. */
function lockedSpecs(lock: NonNullable<ReturnType<typeof readLockFile>>, rootDir: string, env: NodeJS.ProcessEnv): PackageSpec[] {
  return lock.entries.map((entry, index) => {
    const at = { file: lock.yaml.path, ...lock.yaml.locate(['packages', index]) };
    const { name: _name, ...rest } = (entry ?? {}) as Record<string, unknown>;
    return parseSpec('tarball' in rest ? entry : rest, at, rootDir, ROOT_REQUIRER, env);
  });
}

function checkUniqueNames(list: { name: string; spec: PackageSpec }[]): void {
  const seen = new Map<string, PackageSpec>();
  for (const { name, spec } of list) {
    const first = seen.get(name);
    if (first) {
      throw depsError(
        DEPS_CODES.duplicateName,
        `two packages install as '${name}': ${describeSpec(first)} (${first.requiredBy}, ${placeOf(first.declaredAt)}) and ${describeSpec(spec)} (${spec.requiredBy})`,
        spec.declaredAt,
        'a package installs under the name: of its dbt_project.yml; keep one of the two',
      );
    }
    seen.set(name, spec);
  }
}

interface Placed extends InstalledPackage {
  linked: boolean;
}

/**
 * Moves every staged package into place. Each step is a rename within one file system:
 *
 *   target exists?  rename target → staging/previous/<name>   (kept until all are placed)
 *   rename staged → target                                    (a local package: its symlink or copy)
 *   any failure: remove what was placed, rename the previous copies back, throw
 */
function placePackages(fetched: FetchedPackage[], resolved: ResolvedPackage[], installPath: string, staging: string, symlinkLocal: boolean): Placed[] {
  const staged = fetched.map((pkg, index) => (pkg.source === 'local' ? stageLocal(pkg, path.join(staging, `local-${index}`), installPath, symlinkLocal) : { from: pkg.dir, linked: false }));
  const previous = path.join(staging, 'previous');
  mkdirSync(previous, { recursive: true });
  const movedAside: string[] = [];
  const placed: Placed[] = [];
  try {
    fetched.forEach((pkg, index) => {
      const target = path.join(installPath, pkg.name);
      if (exists(target)) {
        renameSync(target, path.join(previous, pkg.name));
        movedAside.push(pkg.name);
      }
      renameSync(staged[index].from, target);
      placed.push({ name: pkg.name, source: pkg.source, version: pkg.version, dir: target, linked: staged[index].linked });
    });
  } catch (error) {
    for (const pkg of placed) rmSync(pkg.dir, { recursive: true, force: true });
    for (const name of movedAside) renameSync(path.join(previous, name), path.join(installPath, name));
    const failed = resolved[placed.length]?.spec;
    throw depsError(DEPS_CODES.installFailed, `cannot install into ${installPath}: ${(error as Error).message}`, failed?.declaredAt, 'check the permissions of the install path; the packages installed before are unchanged');
  }
  return placed;
}

/** A symlink to the local package (as dbt does), or a copy where symlinks cannot be made. */
function stageLocal(pkg: FetchedPackage, at: string, installPath: string, symlinkLocal: boolean): { from: string; linked: boolean } {
  if (symlinkLocal) {
    try {
      symlinkSync(pkg.dir, at, 'junction');
      return { from: at, linked: true };
    } catch {
      // no symlinks here (Windows without developer mode, some network drives): copy instead
    }
  }
  // A local package may contain the install path itself (`local: ../` from integration_tests/): skip it.
  // node's cpSync refuses a destination inside the source, which is exactly that case.
  const skip = (source: string) => source === installPath || path.basename(source) === '.git';
  try {
    copyTree(pkg.dir, at, skip);
  } catch (error) {
    throw depsError(DEPS_CODES.installFailed, `cannot copy local package '${pkg.name}' from ${pkg.dir}: ${(error as Error).message}`, undefined);
  }
  return { from: at, linked: false };
}

function copyTree(from: string, to: string, skip: (source: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (skip(source)) continue;
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target, skip);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else copyFileSync(source, target);
  }
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

