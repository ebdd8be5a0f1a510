import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { isPlainObject } from './config-tree.js';
import type { ConfigTree } from './project-schema.js';
import { listFiles, readProjectFile, toPosix, type ProjectFile } from './project-files.js';
import { parseYamlFile } from './yaml-file.js';

/**
 * One project's files and settings: the root project and each installed package look the same to the
 * parse pass (a package is a project). Paths are relative to the root project, so an error in a
 * package's macro names `dbt_packages/dbt_utils/macros/sql/star.sql`.
 */
export interface ProjectPart {
  name: string;
  /** Folder of its dbt_project.yml relative to the root project (`''` for the root). */
  dir: string;
  /** Its configuration file, relative to the root project. */
  configFile: string;
  /** `docs`: `docs-paths`, when set (else every resource folder is read for docs blocks). */
  paths: { models: string[]; macros: string[]; seeds: string[]; tests: string[]; snapshots: string[]; analyses?: string[]; docs?: string[] };
  /** The vars its own dbt_project.yml declares (the root's `vars:` win over them). */
  vars: Record<string, unknown>;
  /** Its own config trees (the root project's trees win over them for its nodes). */
  config: { models: ConfigTree; seeds: ConfigTree; tests: ConfigTree; sources: ConfigTree; snapshots?: ConfigTree };
  files: {
    models: ProjectFile[];
    /** Schema YAML files beside the models, seeds, tests and snapshots. */
    yaml: ProjectFile[];
    /** Macro files, and the `generic/` folders of the test paths. */
    macros: ProjectFile[];
    /** Seeds are not read here (they can be large); only their paths. */
    seeds: string[];
    /** Singular tests (not `generic/` or `fixtures/`). */
    tests: ProjectFile[];
    /** SQL files of `snapshot-paths`, holding `{% snapshot %}` blocks. */
    snapshots?: ProjectFile[];
    /** SQL files of `analysis-paths` (compiled, never run). */
    analyses?: ProjectFile[];
    /** `.md` files that may hold `{% docs %}` blocks. */
    docs?: ProjectFile[];
  };
}

const list = (value: unknown, fallback: string[]): string[] =>
  value === undefined || value === null ? fallback : Array.isArray(value) ? value.map(String) : [String(value)];

/** Reads the files of a project part whose paths (relative to `root`) are already known. */
export function readPartFiles(root: string, paths: ProjectPart['paths']): ProjectPart['files'] {
  const read = (folders: string[], extensions: string[]) => listFiles(root, folders, extensions).map((path) => readProjectFile(root, path));
  const analyses = paths.analyses ?? [];
  // Docs blocks come from the same walks as YAML and macros (one walk per folder), unless docs-paths is set.
  const docExtensions = paths.docs ? [] : ['.md'];
  const described = read([...paths.models, ...paths.seeds, ...paths.tests, ...paths.snapshots, ...analyses], ['.yml', '.yaml', ...docExtensions]);
  const macrosAndDocs = read([...paths.macros, ...paths.tests.map((p) => `${p.replace(/\/+$/, '')}/generic`)], ['.sql', ...docExtensions]);
  const isDoc = (file: ProjectFile) => file.path.endsWith('.md');
  const docs = paths.docs ? read(paths.docs, ['.md']) : [...described.filter(isDoc), ...macrosAndDocs.filter(isDoc)];
  return {
    models: read(paths.models, ['.sql']),
    yaml: docs.length === 0 || paths.docs ? described : described.filter((file) => !isDoc(file)),
    macros: docs.length === 0 || paths.docs ? macrosAndDocs : macrosAndDocs.filter((file) => !isDoc(file)),
    analyses: analyses.length === 0 ? [] : read(analyses, ['.sql']),
    docs,
    seeds: listFiles(root, paths.seeds, ['.csv']),
    tests: read(paths.tests, ['.sql']).filter((file) => !isGenericOrFixture(file.path, paths.tests)),
    snapshots: read(paths.snapshots, ['.sql']),
  };
}

/** `tests/generic/` holds test definitions (macros), `tests/fixtures/` unit-test fixtures: neither is a singular test. */
function isGenericOrFixture(path: string, testPaths: string[]): boolean {
  return testPaths.some((p) => {
    const base = p.replace(/\/+$/, '');
    return path.startsWith(`${base}/generic/`) || path.startsWith(`${base}/fixtures/`);
  });
}

/**
 * Every package installed under `installPath` (`dbt_packages/` by default): each folder (or symlink,
 * as `strata deps` installs local packages) holding a dbt_project.yml. Two packages with one name, or a
 * package whose dbt_project.yml is broken, are errors naming the file.
 */
export function loadPackages(root: string, installPath: string, rootName: string): ProjectPart[] {
  const base = join(root, installPath);
  if (!existsSync(base)) {
    checkDeclaredInstalled(root, installPath, []);
    return [];
  }
  const problems: Diagnostic[] = [];
  const parts: ProjectPart[] = [];
  const seen = new Map<string, string>([[rootName, '(the root project)']]);
  const entries = readdirSync(base, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const dir = toPosix(join(installPath, entry.name)).replace(/^\.\//, '');
    const absolute = join(root, dir);
    let isDir = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDir = statSync(absolute).isDirectory();
      } catch {
        problems.push({ code: 'STR170', message: `package link ${dir} points nowhere`, file: dir, hint: 'run strata deps again' });
        continue;
      }
    }
    if (!isDir || entry.name.startsWith('.')) continue;
    const configFile = `${dir}/dbt_project.yml`;
    if (!existsSync(join(root, configFile))) continue;
    try {
      const part = loadPackagePart(root, dir, configFile);
      const clash = seen.get(part.name);
      if (clash) {
        problems.push({
          code: 'STR171',
          message: `two packages are named '${part.name}'`,
          file: configFile,
          // Parsed again only on this rare path, so loading stays one parse per package.
          ...parseYamlFile(configFile, readFileSync(join(root, configFile), 'utf8')).locate(['name']),
          hint: `the other is ${clash}; remove one from packages.yml and run strata deps`,
        });
        continue;
      }
      seen.set(part.name, configFile);
      parts.push(part);
    } catch (error) {
      if (error instanceof StrataError) problems.push(...error.diagnostics);
      else throw error;
    }
  }
  if (problems.length > 0) throw new StrataError(problems);
  checkDeclaredInstalled(root, installPath, parts);
  return parts;
}

const PACKAGE_FILES = ['packages.yml', 'dependencies.yml'];

/**
 * dbt's rule: fewer packages installed than packages.yml (or dependencies.yml) declares means `deps` has
 * not run since the file changed, and building would fail later on a missing ref or macro with a less
 * useful message. Only counts are compared, as dbt does: a git package's name is known only once
 * fetched, and installed transitive dependencies count too. Without a packages file this costs two
 * existsSync calls.
 */
function checkDeclaredInstalled(root: string, installPath: string, installed: ProjectPart[]): void {
  for (const name of PACKAGE_FILES) {
    const file = join(root, name);
    if (!existsSync(file)) continue;
    const yaml = parseYamlFile(name, readFileSync(file, 'utf8'));
    const declared = isPlainObject(yaml.value) ? yaml.value.packages : undefined;
    if (!Array.isArray(declared)) continue;
    if (declared.length <= installed.length) return;
    const missing = lockedNames(root).filter((locked) => !installed.some((part) => part.name === locked));
    const plural = (n: number) => `${n} package${n === 1 ? '' : 's'}`;
    throw new StrataError({
      code: 'STR173',
      message:
        `found ${plural(declared.length)} specified in ${name}, but only ${installed.length} installed in ${toPosix(installPath)}` +
        (missing.length > 0 ? ` (not installed: ${missing.join(', ')})` : ''),
      file: name,
      ...yaml.locate(['packages']),
      hint: 'run strata deps',
    });
  }
}

/** Package names of package-lock.yml, when there is one; they name what is missing (else only counts). */
function lockedNames(root: string): string[] {
  const file = join(root, 'package-lock.yml');
  if (!existsSync(file)) return [];
  try {
    const value = parseYamlFile('package-lock.yml', readFileSync(file, 'utf8')).value;
    const packages = isPlainObject(value) && Array.isArray(value.packages) ? value.packages : [];
    return packages.flatMap((entry: unknown) => (isPlainObject(entry) && typeof entry.name === 'string' ? [entry.name] : []));
  } catch {
    return [];
  }
}

function loadPackagePart(root: string, dir: string, configFile: string): ProjectPart {
  const yaml = parseYamlFile(configFile, readFileSync(join(root, configFile), 'utf8'));
  const raw = yaml.value;
  if (!isPlainObject(raw) || typeof raw.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw.name)) {
    throw new StrataError({
      code: 'STR172',
      message: `package ${dir} has no valid name: in its dbt_project.yml`,
      file: configFile,
      ...yaml.locate(['name']),
      hint: 'the package is broken or half installed: run strata deps again',
    });
  }
  const prefix = (folders: string[]) => folders.map((f) => `${dir}/${toPosix(f).replace(/^\.\//, '').replace(/\/+$/, '')}`);
  const paths = {
    models: prefix(list(raw['model-paths'] ?? raw['source-paths'], ['models'])),
    macros: prefix(list(raw['macro-paths'], ['macros'])),
    seeds: prefix(list(raw['seed-paths'] ?? raw['data-paths'], ['seeds'])),
    tests: prefix(list(raw['test-paths'], ['tests'])),
    snapshots: prefix(list(raw['snapshot-paths'], ['snapshots'])),
    analyses: prefix(list(raw['analysis-paths'], ['analyses'])),
    docs: raw['docs-paths'] === undefined ? undefined : prefix(list(raw['docs-paths'], [])),
  };
  const tree = (value: unknown): ConfigTree => (isPlainObject(value) ? value : {});
  return {
    name: raw.name,
    dir,
    configFile,
    paths,
    vars: tree(raw.vars),
    config: {
      models: tree(raw.models),
      seeds: tree(raw.seeds),
      tests: { ...tree(raw.tests), ...tree(raw.data_tests) },
      sources: tree(raw.sources),
      snapshots: tree(raw.snapshots),
    },
    files: readPartFiles(root, paths),
  };
}
