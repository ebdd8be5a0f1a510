/**
 * Chooses and checks the connection target: project.yml's `targets:`, else the `profile:` in dbt's
 * profiles.yml, else the embedded database. Only the selected output is rendered and validated, so a
 * profiles.yml shared with other adapters (snowflake, bigquery, ...), or with env vars set only where
 * those run, loads unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { TargetConfig } from './target.js';
import { profilesSchema, TARGET_KEYS, targetSchema, type ProjectFileConfig, type RawTarget } from './project-schema.js';
import { parseYamlFile, validateYaml, type YamlFile } from './yaml-file.js';
import { renderConfigString, renderConfigValue } from './render-config-string.js';

export interface ResolveTargetOptions {
  /** `--target`. */
  target?: string;
  /** `--threads`. */
  threads?: number;
  /** `--profile`: overrides `profile:` of dbt_project.yml. */
  profile?: string;
  /** `--profiles-dir`: wins over DBT_PROFILES_DIR, the project directory and ~/.dbt. */
  profilesDir?: string;
}

export interface ResolvedTarget {
  target: TargetConfig;
  /** Keys accepted but not acted on, unknown keys. */
  warnings: Diagnostic[];
}

/** Where an output comes from: its map of outputs, and how to point at one of its keys. */
interface OutputSource {
  outputs: Record<string, Record<string, unknown>>;
  defaultName?: string;
  file: string;
  locate: (path: PropertyKey[]) => { line: number; column: number };
}

const ENGINES = new Set(['pglite', 'postgres', 'postgresql']);

/**
 * @example
 *   const { target, warnings } = resolveTarget(root, configYaml, raw, { target: 'ci' }, process.env, vars);
 */
export function resolveTarget(
  root: string,
  configYaml: YamlFile,
  raw: ProjectFileConfig,
  options: ResolveTargetOptions,
  env: NodeJS.ProcessEnv,
  vars: Record<string, unknown>,
): ResolvedTarget {
  const warnings: Diagnostic[] = [];
  const source: OutputSource | undefined = raw.targets
    ? { outputs: raw.targets, defaultName: raw.target, file: configYaml.path, locate: (path) => configYaml.locate(['targets', ...path]) }
    : profileOutputs(root, configYaml, raw, options, env, vars, warnings);

  const name = options.target ?? source?.defaultName ?? (source ? Object.keys(source.outputs)[0] : undefined) ?? 'embedded';
  const chosen = source?.outputs[name];
  if (!source || !chosen) {
    if (options.target || source) {
      throw new StrataError({
        code: 'STR104',
        message: `unknown target '${name}'`,
        file: source?.file ?? configYaml.path,
        hint: source ? `targets defined: ${Object.keys(source.outputs).join(', ')}` : 'define it under targets: in project.yml',
      });
    }
    return { target: { name, type: 'pglite', schema: 'public', threads: 1, path: join(root, '.strata', name) }, warnings };
  }

  // The type first: an output for another adapter is named as such, before any of its env vars is read.
  const type = String(typeof chosen.type === 'string' ? renderConfigValue(chosen.type, { env, vars, file: source.file }) : (chosen.type ?? ''));
  if (!ENGINES.has(type)) {
    throw new StrataError({
      code: 'STR109',
      message: type
        ? `target '${name}' is a '${type}' output: Strata runs on postgres (and the embedded pglite), not ${type}`
        : `target '${name}' has no type`,
      file: source.file,
      ...source.locate([name, 'type']),
      hint: `choose a postgres output with --target, or add one (type: postgres) to ${source.file}`,
    });
  }
  const rendered = renderOutput(chosen, name, source, env, vars);
  const known = TARGET_KEYS[type as RawTarget['type']];
  for (const key of Object.keys(rendered)) {
    if (known.includes(key)) continue;
    const close = didYouMean(key, known);
    warnings.push({
      code: 'STR108',
      severity: 'warn',
      message: `unknown key '${key}' in target '${name}' (ignored)`,
      file: source.file,
      ...source.locate([name, key]),
      hint: close ? `did you mean '${close}'?` : `${type} targets take: ${known.join(', ')}`,
    });
  }
  const checked = validateYaml({ path: source.file, value: rendered, locate: (path) => source.locate([name, ...path]) }, targetSchema);

  if (checked.type === 'pglite') {
    const path = checked.path ?? join('.strata', name);
    return { target: { name, type: 'pglite', schema: checked.schema, threads: 1, path: isAbsolute(path) ? path : join(root, path) }, warnings };
  }
  if (checked.sslmode === 'allow' || checked.sslmode === 'prefer') {
    warnings.push({
      code: 'STR107',
      severity: 'warn',
      message: `sslmode '${checked.sslmode}' connects without TLS here (the driver cannot fall back); use 'require' to insist on TLS`,
      file: source.file,
      ...source.locate([name, 'sslmode']),
    });
  }
  const file = (path: string | undefined) => (path === undefined ? undefined : resolve(root, path));
  return {
    target: {
      name,
      type: 'postgres',
      schema: checked.schema,
      threads: options.threads ?? checked.threads,
      url: checked.url,
      host: checked.host,
      port: checked.port,
      user: checked.user,
      password: stringOrUndefined(checked.password ?? checked.pass),
      database: checked.database ?? checked.dbname,
      sslmode: checked.sslmode,
      sslcert: file(checked.sslcert),
      sslkey: file(checked.sslkey),
      sslrootcert: file(checked.sslrootcert),
      searchPath: checked.search_path,
      role: checked.role,
      keepalivesIdle: checked.keepalives_idle,
      connectTimeout: checked.connect_timeout,
      retries: checked.retries,
      applicationName: checked.application_name,
      clientConnectionCheckInterval: checked.client_connection_check_interval,
    },
    warnings,
  };
}

function stringOrUndefined(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** Renders the `{{ ... }}` in each string value of one output; errors point at the value. */
function renderOutput(
  output: Record<string, unknown>,
  name: string,
  source: OutputSource,
  env: NodeJS.ProcessEnv,
  vars: Record<string, unknown>,
): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    rendered[key] =
      typeof value === 'string' ? renderConfigValue(value, { env, vars, file: source.file, ...source.locate([name, key]) }) : value;
  }
  return rendered;
}

/**
 * The outputs of the profile named by `--profile` or `profile:`, from the first profiles.yml of:
 * `--profiles-dir`, `DBT_PROFILES_DIR`, the project directory, `~/.dbt` (dbt's order). No profiles.yml
 * at all and no `--profile`: undefined (the embedded database is used).
 */
function profileOutputs(
  root: string,
  configYaml: YamlFile,
  raw: ProjectFileConfig,
  options: ResolveTargetOptions,
  env: NodeJS.ProcessEnv,
  vars: Record<string, unknown>,
  warnings: Diagnostic[],
): OutputSource | undefined {
  const profileName = options.profile ?? raw.profile;
  if (!profileName) return undefined;
  const explicit = options.profilesDir
    ? { dir: resolve(options.profilesDir), by: '--profiles-dir' }
    : env.DBT_PROFILES_DIR
      ? { dir: resolve(env.DBT_PROFILES_DIR), by: 'DBT_PROFILES_DIR' }
      : undefined;
  const candidates = explicit ? [join(explicit.dir, 'profiles.yml')] : [join(root, 'profiles.yml'), join(env.HOME ?? homedir(), '.dbt', 'profiles.yml')];
  const profilesPath = candidates.find((path) => existsSync(path));
  if (!profilesPath) {
    if (!explicit && !options.profile) return undefined;
    throw new StrataError({
      code: 'STR103',
      message: explicit ? `no profiles.yml in ${explicit.dir} (from ${explicit.by})` : `profile '${profileName}' needs a profiles.yml, and there is none`,
      hint: `looked for ${candidates.join(', ')}`,
    });
  }
  const file = profilesPath.startsWith(root + sep) ? relative(root, profilesPath) : profilesPath;
  const yaml = parseYamlFile(file, readFileSync(profilesPath, 'utf8'));
  const { config, ...profilesValue } = (yaml.value ?? {}) as Record<string, unknown>;
  if (config && typeof config === 'object') {
    for (const key of Object.keys(config)) {
      warnings.push({
        code: 'STR107',
        severity: 'warn',
        message: `'config.${key}' is accepted but Strata does not act on it`,
        file,
        ...yaml.locate(['config', key]),
      });
    }
  }
  const profiles = validateYaml({ ...yaml, value: profilesValue }, profilesSchema);
  const profile = profiles[profileName];
  if (!profile) {
    const by = options.profile ? {} : { file: configYaml.path, ...configYaml.locate(['profile']) };
    const close = didYouMean(profileName, Object.keys(profiles));
    throw new StrataError({
      code: 'STR103',
      message: `profile '${profileName}' is not in ${profilesPath}`,
      ...by,
      hint: close ? `did you mean '${close}'?` : `profiles there: ${Object.keys(profiles).join(', ') || '(none)'}`,
    });
  }
  const defaultName =
    profile.target === undefined
      ? undefined
      : renderConfigString(profile.target, { env, vars, file, ...yaml.locate([profileName, 'target']) });
  return { outputs: profile.outputs, defaultName, file, locate: (path) => yaml.locate([profileName, 'outputs', ...path]) };
}
