import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import type { TargetConfig } from './target.js';
import { projectFileSchema, projectKeyWarnings, type ConfigTree } from './project-schema.js';
import { parseYamlFile, validateYaml } from './yaml-file.js';
import { resolveTarget, type ResolveTargetOptions } from './resolve-target.js';
import { loadPackages, readPartFiles, type ProjectPart } from './load-packages.js';

export interface Project {
  /** Absolute project directory. */
  root: string;
  name: string;
  version?: string;
  /** `project.yml` or `dbt_project.yml`. */
  configFile: string;
  /** `packages` is `packages-install-path` (default `dbt_packages`). */
  paths: { models: string[]; macros: string[]; seeds: string[]; tests: string[]; target: string; packages: string; snapshots?: string[]; analyses?: string[]; docs?: string[] };
  /** `dispatch:` of dbt_project.yml: where `adapter.dispatch(name, macro_namespace)` looks first. */
  dispatch: { macroNamespace: string; searchOrder: string[] }[];
  /** Keys accepted but not acted on, unknown keys: printed once per command, never fatal. */
  warnings: Diagnostic[];
  /** Errors of project.yml that do not stop loading it: the parse pass reports them with its own, all at once. */
  problems: Diagnostic[];
  /** Project vars overlaid with `--vars`. */
  vars: Record<string, unknown>;
  config: { models: ConfigTree; seeds: ConfigTree; tests: ConfigTree; sources: ConfigTree; snapshots?: ConfigTree };
  onRunStart: string[];
  onRunEnd: string[];
  target: TargetConfig;
  /** Read the same way as a package's (see ProjectPart). */
  files: ProjectPart['files'];
  /** Installed packages (`dbt_packages/`), each a project of its own; empty without packages. */
  packages: ProjectPart[];
}

export interface LoadProjectOptions extends ResolveTargetOptions {
  /** `--target`. */
  target?: string;
  /** `--vars`, already parsed. */
  vars?: Record<string, unknown>;
  /** `--threads`. */
  threads?: number;
  /** Environment for `env_var()`; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads a project directory: its configuration (project.yml, or dbt_project.yml with profiles.yml), the
 * target, and every model, macro, seed, test and YAML file.
 *
 * @example
 *   const project = loadProject('/repo', { target: 'postgres', vars: { clv_horizon_months: 12 } });
 */
export function loadProject(directory: string, options: LoadProjectOptions = {}): Project {
  const root = resolve(directory);
  const configFile = existsSync(join(root, 'project.yml'))
    ? 'project.yml'
    : existsSync(join(root, 'dbt_project.yml'))
      ? 'dbt_project.yml'
      : undefined;
  if (!configFile) {
    throw new StrataError({
      code: 'STR100',
      message: `no project.yml (or dbt_project.yml) in ${root}`,
      hint: 'run strata from the project directory, or pass --project-dir',
    });
  }
  const text = readFileSync(join(root, configFile), 'utf8');
  const yaml = parseYamlFile(configFile, text);
  const raw = validateYaml(yaml, projectFileSchema);
  // Reported at their line, once; the folders they were set on keep the default materialization meanwhile.
  const badMaterializations = materializationProblems(raw.models, configFile, yaml.locate);
  const env = options.env ?? process.env;
  const vars = { ...raw.vars, ...(options.vars ?? {}) };

  const paths = {
    models: raw['source-paths'] ?? raw['model-paths'],
    macros: raw['macro-paths'],
    seeds: raw['data-paths'] ?? raw['seed-paths'],
    tests: raw['test-paths'],
    snapshots: raw['snapshot-paths'],
    analyses: raw['analysis-paths'],
    docs: raw['docs-paths'],
    target: raw['target-path'],
    packages: raw['packages-install-path'] ?? raw['modules-path'] ?? 'dbt_packages',
  };
  const { target, warnings } = resolveTarget(root, yaml, raw, options, env, vars);

  return {
    root,
    name: raw.name,
    version: raw.version === undefined ? undefined : String(raw.version),
    configFile,
    paths,
    vars,
    config: {
      models: raw.models,
      seeds: raw.seeds,
      tests: { ...raw.tests, ...raw.data_tests },
      sources: raw.sources,
      snapshots: raw.snapshots,
    },
    onRunStart: raw['on-run-start'] ?? [],
    onRunEnd: raw['on-run-end'] ?? [],
    target,
    dispatch: raw.dispatch,
    warnings: [...projectKeyWarnings(yaml.value, configFile, text, yaml.locate), ...warnings],
    problems: badMaterializations,
    files: readPartFiles(root, paths),
    packages: loadPackages(root, paths.packages, raw.name),
  };
}

const MODEL_MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral'];

/**
 * `+materialized:` values of the `models:` tree that name no materialization: reported once, at their
 * line in project.yml, rather than once for every model the folder holds.
 */
function materializationProblems(models: unknown, file: string, locate: (path: PropertyKey[]) => { line: number; column: number }): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const walk = (tree: unknown, path: string[]) => {
    if (!tree || typeof tree !== 'object' || Array.isArray(tree)) return;
    for (const [key, value] of Object.entries(tree)) {
      if (key === '+materialized' || key === 'materialized') {
        if (Array.isArray(value)) {
          const hint = `write ${key}: ${value.length > 0 ? String(value[0]) : 'view'}, not a list`;
          problems.push({ code: 'STR112', message: `${key} is a list (${JSON.stringify(value)}); it takes one materialization`, file, ...locate(['models', ...path, key]), hint });
          delete (tree as Record<string, unknown>)[key];
          continue;
        }
        if (typeof value !== 'string' || MODEL_MATERIALIZATIONS.includes(value) || value.includes('{{')) continue;
        problems.push({ code: 'STR112', message: `unknown materialization '${value}'`, file, ...locate(['models', ...path, key]), hint: `use ${MODEL_MATERIALIZATIONS.join(', ')}` });
        delete (tree as Record<string, unknown>)[key];
      } else if (key.startsWith('+')) {
        continue;
      } else {
        walk(value, [...path, key]);
      }
    }
  };
  walk(models, []);
  return problems;
}

function packagesInstallPath(raw: object): string {
  const value = (raw as Record<string, unknown>)['packages-install-path'];
  return typeof value === 'string' && value !== '' ? value : 'dbt_packages';
}
