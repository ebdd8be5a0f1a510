/**
 * Bringing one package's files into the staging folder (or, for a local package, just finding it), and
 * reading what it needs: its name from its dbt_project.yml and its own packages.yml.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { maskSecrets, type Diagnostic } from '../diagnostics/strata-error.js';
import { DEPS_CODES, depsError, type DeclaredAt } from './deps-errors.js';
import { checkoutGitPackage, GitFailure, isCommitId } from './git-source.js';
import { downloadTarball, fetchHubPackage, HubUnreachable, type HubPackage } from './hub.js';
import { readPackagesFile, type GitSpec, type HubSpec, type LocalSpec, type PackageSpec, type TarballSpec } from './packages-file.js';
import { readProjectConfig } from './project-config.js';
import { extractTarGz } from './tarball.js';

export const ROOT_REQUIRER = 'the root project';

export type PackageSource = PackageSpec['kind'];

/** A package whose files are at hand (in the staging folder, or where a local package lives). */
export interface FetchedPackage {
  name: string;
  source: PackageSource;
  /** Shown after the name: the hub version, the git revision (and commit), nothing for local. */
  version?: string;
  /** The package's root. */
  dir: string;
  /** The entry written to package-lock.yml. */
  lockEntry: Record<string, unknown>;
  /** What the package itself requires. */
  deps: PackageSpec[];
}

export interface FetchContext {
  rootDir: string;
  /** Install path relative to the root, for naming files of installed packages in diagnostics. */
  installPathRelative: string;
  staging: string;
  hubApi: string;
  env: NodeJS.ProcessEnv;
  warn(diagnostic: Diagnostic): void;
  /** A fresh folder name inside the staging folder. */
  scratch(prefix: string): string;
  hubIndexes: Map<string, Promise<HubPackage | undefined>>;
}

/** The identity under which two declarations are the same package. */
export function packageKey(spec: PackageSpec): string {
  switch (spec.kind) {
    case 'local':
      return `local:${spec.path}`;
    case 'git':
      return `git:${spec.url.replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase()}#${spec.subdirectory ?? ''}`;
    case 'hub':
      return `hub:${spec.package.toLowerCase()}`;
    case 'tarball':
      return `tarball:${spec.url}`;
  }
}

/** `dbt-labs/dbt_utils`, `git https://…/repo.git (subdirectory x)`, `local ../x`: for messages. */
export function describeSpec(spec: PackageSpec): string {
  switch (spec.kind) {
    case 'local':
      return `local ${spec.written}`;
    case 'git':
      return `git ${String(spec.raw.git)}${spec.subdirectory ? ` (subdirectory ${spec.subdirectory})` : ''}`;
    case 'hub':
      return spec.package;
    case 'tarball':
      return `tarball ${String(spec.raw.tarball)}`;
  }
}

export function placeOf(at: DeclaredAt): string {
  return `${at.file}:${at.line}:${at.column}`;
}

export async function fetchPackage(spec: Exclude<PackageSpec, HubSpec>, context: FetchContext): Promise<FetchedPackage> {
  switch (spec.kind) {
    case 'local':
      return fetchLocal(spec, context);
    case 'git':
      return fetchGit(spec, context);
    case 'tarball':
      return fetchTarball(spec, context);
  }
}

function fetchLocal(spec: LocalSpec, context: FetchContext): FetchedPackage {
  if (!existsSync(spec.path) || !statSync(spec.path).isDirectory()) {
    throw depsError(DEPS_CODES.localNotFound, `local package '${spec.written}' not found (${spec.path})`, spec.declaredAt, 'local: is a folder relative to the project that declares it');
  }
  const name = readProjectConfig(spec.path, spec.declaredAt, spec.written).name;
  const local = spec.requiredBy === ROOT_REQUIRER ? spec.written : path.relative(context.rootDir, spec.path).split(path.sep).join('/') || '.';
  return {
    name,
    source: 'local',
    dir: spec.path,
    lockEntry: { local, name },
    deps: readDeps(spec.path, path.relative(context.rootDir, spec.path), name, context),
  };
}

async function fetchGit(spec: GitSpec, context: FetchContext): Promise<FetchedPackage> {
  if ((spec.revision === undefined || spec.revision === 'HEAD') && spec.warnUnpinned) {
    context.warn({
      code: DEPS_CODES.unpinned,
      severity: 'warn',
      message: `git package ${describeSpec(spec)} is not pinned: it installs the newest commit of the default branch`,
      ...spec.declaredAt,
      hint: 'add revision: <tag or commit>, or warn-unpinned: false',
    });
  }
  let checkedOut;
  try {
    checkedOut = await checkoutGitPackage(spec.url, spec.revision, spec.subdirectory, context.scratch('git'));
  } catch (error) {
    if (!(error instanceof GitFailure)) throw error;
    const code = { unreachable: DEPS_CODES.gitUnreachable, revision: DEPS_CODES.gitUnknownRevision, subdirectory: DEPS_CODES.subdirectoryMissing }[error.reason];
    const hint = {
      unreachable: 'check the URL, the network and the credentials (git must be able to clone it)',
      revision: 'revision: takes a tag, a branch or a commit id of that repository',
      subdirectory: 'subdirectory: is the folder of the repository that holds the dbt_project.yml',
    }[error.reason];
    throw depsError(code, maskSecrets(error.message.split(spec.url).join(String(spec.raw.git))), spec.declaredAt, hint);
  }
  if (!spec.subdirectory) rmSync(path.join(checkedOut.dir, '.git'), { recursive: true, force: true });
  const name = readProjectConfig(checkedOut.dir, spec.declaredAt, describeSpec(spec)).name;
  const revision = spec.revision ?? 'HEAD';
  return {
    name,
    source: 'git',
    version: isCommitId(revision) ? revision.slice(0, 7) : `${revision} ${checkedOut.sha.slice(0, 7)}`,
    dir: checkedOut.dir,
    lockEntry: { git: spec.raw.git, name, revision: checkedOut.sha, ...(spec.subdirectory ? { subdirectory: spec.subdirectory } : {}) },
    deps: readDeps(checkedOut.dir, path.join(context.installPathRelative, name), name, context),
  };
}

async function fetchTarball(spec: TarballSpec, context: FetchContext): Promise<FetchedPackage> {
  const dir = await downloadAndExtract(spec.url, undefined, spec, context);
  const name = readProjectConfig(dir, spec.declaredAt, describeSpec(spec)).name;
  return {
    name,
    source: 'tarball',
    dir,
    lockEntry: { tarball: spec.raw.tarball, name: spec.name },
    deps: readDeps(dir, path.join(context.installPathRelative, name), name, context),
  };
}

/** The chosen version of a hub package, downloaded. Its requirements come from the hub, not its files. */
export async function fetchHubVersion(spec: HubSpec, index: HubPackage, version: string, context: FetchContext): Promise<FetchedPackage> {
  const published = index.versions[version];
  const dir = await downloadAndExtract(published.downloads?.tarball, published.downloads?.sha1, spec, context);
  const name = readProjectConfig(dir, spec.declaredAt, `${spec.package} ${version}`).name;
  return { name, source: 'hub', version, dir, lockEntry: { package: spec.package, name, version }, deps: [] };
}

/** The hub's index of `org/name`, fetched once per run. */
export async function hubIndex(spec: HubSpec, context: FetchContext): Promise<HubPackage> {
  const key = spec.package.toLowerCase();
  if (!context.hubIndexes.has(key)) context.hubIndexes.set(key, fetchHubPackage(spec.package, context.hubApi));
  let index: HubPackage | undefined;
  try {
    index = await context.hubIndexes.get(key);
  } catch (error) {
    if (!(error instanceof HubUnreachable)) throw error;
    throw depsError(DEPS_CODES.hubUnreachable, `cannot read ${spec.package} from the package hub: ${error.message}`, spec.declaredAt, 'check the network, or set DBT_PACKAGE_HUB_URL to a reachable hub');
  }
  if (!index) throw depsError(DEPS_CODES.hubUnknownPackage, `the package hub has no package '${spec.package}'`, spec.declaredAt, `check the spelling on ${new URL('../../', context.hubApi).toString()} (org/name, e.g. dbt-labs/dbt_utils)`);
  return index;
}

async function downloadAndExtract(url: string | undefined, sha1: string | undefined, spec: PackageSpec, context: FetchContext): Promise<string> {
  const what = describeSpec(spec);
  if (!url) throw depsError(DEPS_CODES.tarballInvalid, `${what}: the hub gives no tarball URL`, spec.declaredAt);
  let data: Buffer;
  try {
    data = await downloadTarball(url, sha1);
  } catch (error) {
    if (!(error instanceof HubUnreachable)) throw error;
    throw depsError(DEPS_CODES.hubUnreachable, `${what}: ${error.message}`, spec.declaredAt, 'check the network and the URL');
  }
  const dir = context.scratch('tarball');
  try {
    extractTarGz(data, dir);
  } catch (error) {
    throw depsError(DEPS_CODES.tarballInvalid, `${what}: ${url} is not a readable .tar.gz: ${(error as Error).message}`, spec.declaredAt);
  }
  return dir;
}

function readDeps(dir: string, displayDir: string, requiredBy: string, context: FetchContext): PackageSpec[] {
  return readPackagesFile(dir, { displayDir: displayDir.split(path.sep).join('/'), requiredBy, env: context.env }).specs;
}

/** A scratch-folder factory for one staging folder: `git-1`, `tarball-2`, … */
export function scratchFolders(staging: string): (prefix: string) => string {
  let counter = 0;
  return (prefix) => {
    const dir = path.join(staging, `${prefix}-${++counter}`);
    mkdirSync(path.dirname(dir), { recursive: true });
    return dir;
  };
}

