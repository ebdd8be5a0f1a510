import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { StrataError } from '../diagnostics/strata-error.js';
import type { TargetConfig } from './target.js';
import { listFiles, readProjectFile, type ProjectFile } from './project-files.js';
import { profilesSchema, projectFileSchema, type ConfigTree, type RawTarget } from './project-schema.js';
import { parseYamlFile, validateYaml } from './yaml-file.js';
import { renderConfigString } from './render-config-string.js';

export interface Project {
  /** Absolute project directory. */
  root: string;
  name: string;
  version?: string;
  /** `project.yml` or `dbt_project.yml`. */
  configFile: string;
  paths: { models: string[]; macros: string[]; seeds: string[]; tests: string[]; target: string };
  /** Project vars overlaid with `--vars`. */
  vars: Record<string, unknown>;
  config: { models: ConfigTree; seeds: ConfigTree; tests: ConfigTree; sources: ConfigTree };
  onRunStart: string[];
  onRunEnd: string[];
  target: TargetConfig;
  files: {
    models: ProjectFile[];
    /** Schema YAML files beside the models (and seeds). */
    yaml: ProjectFile[];
    macros: ProjectFile[];
    /** Seeds are not read here (they can be large); only their paths. */
    seeds: string[];
    tests: ProjectFile[];
  };
}

export interface LoadProjectOptions {
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
  const yaml = parseYamlFile(configFile, readFileSync(join(root, configFile), 'utf8'));
  const raw = validateYaml(yaml, projectFileSchema);
  const env = options.env ?? process.env;
  const vars = { ...raw.vars, ...(options.vars ?? {}) };

  const paths = {
    models: raw['source-paths'] ?? raw['model-paths'],
    macros: raw['macro-paths'],
    seeds: raw['data-paths'] ?? raw['seed-paths'],
    tests: raw['test-paths'],
    target: raw['target-path'],
  };
  const target = resolveTarget(root, configFile, raw, options, env, vars, yaml.locate);

  const read = (folders: string[], extensions: string[]) =>
    listFiles(root, folders, extensions).map((path) => readProjectFile(root, path));

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
    },
    onRunStart: raw['on-run-start'] ?? [],
    onRunEnd: raw['on-run-end'] ?? [],
    target,
    files: {
      models: read(paths.models, ['.sql']),
      yaml: read([...paths.models, ...paths.seeds, ...paths.tests], ['.yml', '.yaml']),
      macros: read(paths.macros, ['.sql']),
      seeds: listFiles(root, paths.seeds, ['.csv']),
      tests: read(paths.tests, ['.sql']),
    },
  };
}

function resolveTarget(
  root: string,
  configFile: string,
  raw: ReturnType<typeof projectFileSchema.parse>,
  options: LoadProjectOptions,
  env: NodeJS.ProcessEnv,
  vars: Record<string, unknown>,
  locate: (path: PropertyKey[]) => { line: number; column: number },
): TargetConfig {
  let targets: Record<string, RawTarget> | undefined = raw.targets;
  let defaultName = raw.target;
  let sourceFile = configFile;

  if (!targets && raw.profile) {
    const profilesPath = [join(root, 'profiles.yml'), join(env.DBT_PROFILES_DIR ?? join(homedir(), '.dbt'), 'profiles.yml')].find(
      existsSync,
    );
    if (profilesPath) {
      const profilesYaml = parseYamlFile('profiles.yml', readFileSync(profilesPath, 'utf8'));
      const profiles = validateYaml(profilesYaml, profilesSchema);
      const profile = profiles[raw.profile];
      if (!profile) {
        const at = locate(['profile']);
        throw new StrataError({
          code: 'STR103',
          message: `profile '${raw.profile}' is not in ${profilesPath}`,
          file: configFile,
          ...at,
          hint: `profiles there: ${Object.keys(profiles).join(', ') || '(none)'}`,
        });
      }
      targets = profile.outputs;
      defaultName = defaultName ?? profile.target;
      sourceFile = 'profiles.yml';
    }
  }

  const name = options.target ?? defaultName ?? (targets ? Object.keys(targets)[0] : undefined) ?? 'embedded';
  const chosen: RawTarget | undefined = targets?.[name];
  if (!chosen) {
    if (options.target || targets) {
      throw new StrataError({
        code: 'STR104',
        message: `unknown target '${name}'`,
        file: sourceFile,
        hint: targets ? `targets defined: ${Object.keys(targets).join(', ')}` : 'define it under targets: in project.yml',
      });
    }
    return { name, type: 'pglite', schema: 'public', threads: 1, path: join(root, '.strata', name) };
  }
  const str = (value: unknown) =>
    value === undefined ? undefined : renderConfigString(String(value), { env, vars, file: sourceFile });
  const schema = str(chosen.schema) ?? 'public';
  if (chosen.type === 'pglite') {
    const path = str(chosen.path) ?? join('.strata', name);
    return { name, type: 'pglite', schema, threads: 1, path: isAbsolute(path) ? path : join(root, path) };
  }
  const port = str(chosen.port);
  return {
    name,
    type: 'postgres',
    schema,
    threads: options.threads ?? chosen.threads,
    url: str(chosen.url),
    host: str(chosen.host),
    port: port === undefined ? undefined : Number(port),
    user: str(chosen.user),
    password: str(chosen.password),
    database: str(chosen.database ?? chosen.dbname),
  };
}
