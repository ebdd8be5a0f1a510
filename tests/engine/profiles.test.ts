/**
 * profiles.yml as dbt accepts it: outputs for other adapters are ignored unless selected, Jinja with
 * dbt's `as_*` filters, dbt-postgres's fields (pass/password, dbname/database, sslmode, search_path,
 * keepalives_idle, connect_timeout, role, retries), a top-level `config:` block, and where profiles.yml
 * is looked for (--profiles-dir, DBT_PROFILES_DIR, the project directory, ~/.dbt).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import { poolConfig } from '../../compiler/adapters/postgres/postgres-adapter.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { loadProject, type LoadProjectOptions } from '../../compiler/project/load-project.js';
import { renderConfigValue } from '../../compiler/project/render-config-string.js';
import type { PostgresTarget } from '../../compiler/project/target.js';
import { testPostgresUrl } from '../support/engines.js';
import { strata } from './cli.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

const HOME = tempDir('strata-home-');

/** The profiles.yml the dbt_utils integration tests run with. */
const INTEGRATION_PROFILES = `config:
  send_anonymous_usage_stats: false
  use_colors: true

integration_tests:
  target: postgres
  outputs:
    postgres:
      type: "postgres"
      host: "{{ env_var('POSTGRES_HOST') }}"
      user: "{{ env_var('POSTGRES_USER') }}"
      pass: "{{ env_var('DBT_ENV_SECRET_POSTGRES_PASS') }}"
      port: "{{ env_var('POSTGRES_PORT') | as_number }}"
      dbname: "{{ env_var('POSTGRES_DATABASE') }}"
      schema: "{{ env_var('POSTGRES_SCHEMA') }}"
      threads: 5
    snowflake:
      type: snowflake
      account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}"
      user: "{{ env_var('SNOWFLAKE_USER') }}"
      password: "{{ env_var('DBT_ENV_SECRET_SNOWFLAKE_PASS') }}"
      warehouse: "{{ env_var('SNOWFLAKE_WAREHOUSE') }}"
      threads: 10
`;

const ENV = {
  HOME,
  POSTGRES_HOST: 'db.internal',
  POSTGRES_USER: 'ci',
  DBT_ENV_SECRET_POSTGRES_PASS: 's3cret',
  POSTGRES_PORT: '5433',
  POSTGRES_DATABASE: 'utils',
  POSTGRES_SCHEMA: 'utils_ci',
};

/** A dbt project (profile `integration_tests` unless told) with a profiles.yml beside it when given. */
function project(profiles?: string, dbtProject = "name: p\nprofile: 'integration_tests'\n"): string {
  const dir = tempDir('strata-profiles-');
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), dbtProject);
  if (profiles !== undefined) fs.writeFileSync(path.join(dir, 'profiles.yml'), profiles);
  return dir;
}

function profilesDir(text: string): string {
  const dir = tempDir('strata-profiles-dir-');
  fs.writeFileSync(path.join(dir, 'profiles.yml'), text);
  return dir;
}

function loadError(dir: string, options: LoadProjectOptions): StrataError {
  try {
    loadProject(dir, options);
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
  throw new Error('expected loadProject to fail');
}

const onePostgres = (name: string, schema: string) =>
  `integration_tests:\n  target: ${name}\n  outputs:\n    ${name}: {type: postgres, host: localhost, schema: ${schema}}\n`;

describe('profiles.yml', () => {
  it("loads the dbt_utils integration profile: env vars, as_number, pass and dbname; the snowflake output's unset env vars are no obstacle", () => {
    const loaded = loadProject(project(INTEGRATION_PROFILES), { env: ENV });
    expect(loaded.target).toEqual({
      name: 'postgres',
      type: 'postgres',
      schema: 'utils_ci',
      threads: 5,
      host: 'db.internal',
      port: 5433,
      user: 'ci',
      password: 's3cret',
      database: 'utils',
    });
  });

  it('a top-level config: block is accepted, each key a warning (not acted on)', () => {
    const loaded = loadProject(project(INTEGRATION_PROFILES), { env: ENV });
    expect(loaded.warnings.map((w) => `${w.file}:${w.line} ${w.code} ${w.message}`)).toEqual([
      "profiles.yml:2 STR107 'config.send_anonymous_usage_stats' is accepted but Strata does not act on it",
      "profiles.yml:3 STR107 'config.use_colors' is accepted but Strata does not act on it",
    ]);
  });

  it('selecting an output for another adapter is an error naming its type', () => {
    const error = loadError(project(INTEGRATION_PROFILES), { env: ENV, target: 'snowflake' });
    expect(error.diagnostics).toHaveLength(1);
    expect(error.diagnostics[0]).toMatchObject({ code: 'STR109', file: 'profiles.yml', line: 18 });
    expect(error.diagnostics[0].message).toBe("target 'snowflake' is a 'snowflake' output: Strata runs on postgres (and the embedded pglite), not snowflake");
  });

  it('an unset env var in the selected output is an error at its line', () => {
    const { POSTGRES_PORT: _unset, ...env } = ENV;
    const error = loadError(project(INTEGRATION_PROFILES), { env });
    expect(error.diagnostics[0]).toMatchObject({ code: 'STR105', file: 'profiles.yml', line: 13, message: "environment variable 'POSTGRES_PORT' is not set" });
  });

  it('password and database spellings, and every dbt-postgres connection field', () => {
    const loaded = loadProject(
      project(`integration_tests:
  outputs:
    dev:
      type: postgres
      host: localhost
      user: me
      password: 1234
      database: warehouse
      schema: analytics
      sslmode: require
      search_path: "analytics, public"
      keepalives_idle: 30
      connect_timeout: "{{ env_var('PG_TIMEOUT', '7') | as_number }}"
      role: transformer
      retries: 2
      application_name: nightly
`),
      { env: { HOME } },
    );
    const target = loaded.target as PostgresTarget;
    expect(target).toMatchObject({
      name: 'dev',
      password: '1234',
      database: 'warehouse',
      sslmode: 'require',
      searchPath: 'analytics, public',
      keepalivesIdle: 30,
      connectTimeout: 7,
      role: 'transformer',
      retries: 2,
      applicationName: 'nightly',
    });
    expect(loaded.warnings).toEqual([]);
    const config = poolConfig(target);
    expect(config).toMatchObject({
      ssl: { rejectUnauthorized: false },
      options: '-c search_path=analytics,\\ public -c role=transformer',
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
      connectionTimeoutMillis: 7_000,
      application_name: 'nightly',
    });
    const plain = poolConfig({ ...target, sslmode: 'disable', searchPath: undefined, role: undefined });
    expect(plain.ssl).toBe(false);
    expect(plain.options).toBeUndefined();
  });

  it('sslmode prefer is a warning (the driver cannot fall back from TLS); an unknown output key has a did-you-mean', () => {
    const loaded = loadProject(
      project('integration_tests:\n  outputs:\n    dev:\n      type: postgres\n      sslmode: prefer\n      passwrod: x\n'),
      { env: { HOME } },
    );
    expect(loaded.warnings.map((w) => [w.code, w.line, w.hint ?? w.message])).toEqual([
      ['STR108', 6, "did you mean 'password'?"],
      ['STR107', 5, "sslmode 'prefer' connects without TLS here (the driver cannot fall back); use 'require' to insist on TLS"],
    ]);
  });

  it('a wrongly typed value in the selected output is an error at its place', () => {
    const error = loadError(project('integration_tests:\n  outputs:\n    dev:\n      type: postgres\n      port: "{{ \'x\' | as_text }}"\n'), { env: { HOME } });
    expect(error.diagnostics[0]).toMatchObject({ code: 'STR102', file: 'profiles.yml', line: 5 });
  });

  it('where profiles.yml is found: --profiles-dir, then DBT_PROFILES_DIR, then the project directory, then ~/.dbt', () => {
    const dir = project(onePostgres('from_project', 'project_dir'));
    const fromEnv = profilesDir(onePostgres('from_env', 'env_dir'));
    const fromFlag = profilesDir(onePostgres('from_flag', 'flag_dir'));
    const home = tempDir('strata-home-');
    fs.mkdirSync(path.join(home, '.dbt'));
    fs.writeFileSync(path.join(home, '.dbt/profiles.yml'), onePostgres('from_home', 'home_dir'));

    expect(loadProject(dir, { env: { HOME: home } }).target.name).toBe('from_project');
    expect(loadProject(dir, { env: { HOME: home, DBT_PROFILES_DIR: fromEnv } }).target.name).toBe('from_env');
    expect(loadProject(dir, { env: { HOME: home, DBT_PROFILES_DIR: fromEnv }, profilesDir: fromFlag }).target.name).toBe('from_flag');
    const homeOnly = project();
    expect(loadProject(homeOnly, { env: { HOME: home } }).target).toMatchObject({ name: 'from_home', schema: 'home_dir' });
    const fromHome = loadProject(homeOnly, { env: { HOME: home } });
    expect(fromHome.warnings).toEqual([]);
    // No profiles.yml anywhere: the embedded database, as before.
    expect(loadProject(homeOnly, { env: { HOME: tempDir('strata-empty-home-') } }).target.type).toBe('pglite');
    // A directory named explicitly must hold one.
    const error = loadError(dir, { env: { HOME: home, DBT_PROFILES_DIR: tempDir('strata-no-profiles-') } });
    expect(error.diagnostics[0]).toMatchObject({ code: 'STR103' });
    expect(error.diagnostics[0].message).toMatch(/no profiles\.yml in .* \(from DBT_PROFILES_DIR\)/);
  });

  it('--profile overrides profile: of dbt_project.yml; a missing profile has a did-you-mean', () => {
    const profiles = `${onePostgres('first', 'first_schema')}other:\n  target: second\n  outputs:\n    second: {type: pglite, path: .strata/second}\n`;
    const dir = project(profiles);
    expect(loadProject(dir, { env: { HOME } }).target.name).toBe('first');
    expect(loadProject(dir, { env: { HOME }, profile: 'other' }).target).toMatchObject({ name: 'second', type: 'pglite', path: path.join(dir, '.strata/second') });
    const error = loadError(dir, { env: { HOME }, profile: 'othr' });
    expect(error.diagnostics[0]).toMatchObject({ code: 'STR103', hint: "did you mean 'other'?" });
  });

  it('the CLI takes --profiles-dir and --profile', async () => {
    const dir = project(undefined, "name: cli_profiles\nprofile: 'nowhere'\n");
    fs.mkdirSync(path.join(dir, 'models'));
    fs.writeFileSync(path.join(dir, 'models/one.sql'), 'select 1 as id\n');
    const profiles = profilesDir('chosen:\n  target: local\n  outputs:\n    local: {type: pglite, path: .strata/local}\n    warehouse: {type: bigquery, project: x}\n');
    const ok = await strata(['ls', '--project-dir', dir, '--profiles-dir', profiles, '--profile', 'chosen'], { env: { HOME } });
    expect(ok.exitCode, ok.output).toBe(0);
    expect(ok.stdout).toMatch(/cli_profiles\.one/);
    const wrong = await strata(['ls', '--project-dir', dir, '--profiles-dir', profiles, '--profile', 'chosen', '--target', 'warehouse'], { env: { HOME } });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.output).toMatch(/error STR109\s+target 'warehouse' is a 'bigquery' output: Strata runs on postgres/);
  });
});

describe('configuration value templates', () => {
  const context = { env: { PORT: '5432', FLAG: 'True', LIST: '[1, 2]', NAME: 'db' }, vars: { n: 3 }, file: 'profiles.yml' };
  it.each([
    ["{{ env_var('PORT') | as_number }}", 5432],
    ["{{ env_var('PORT') }}", '5432'],
    ["{{ env_var('PORT') | as_text }}", '5432'],
    ["{{ env_var('FLAG') | as_bool }}", true],
    ["{{ env_var('MISSING', 'false') | as_bool }}", false],
    ["{{ env_var('LIST') | as_native }}", [1, 2]],
    ["{{ env_var('PORT') | as_native }}", 5432],
    ["{{ var('n') | as_number }}", 3],
    ["host-{{ env_var('NAME') }}-{{ var('n') }}", 'host-db-3'],
    ["{{ env_var('NAME') | upper }}", 'DB'],
    ["{{ 'literal' }}", 'literal'],
    ['no template', 'no template'],
  ])('%s → %j', (text, expected) => {
    expect(renderConfigValue(text, context)).toEqual(expected);
  });

  it.each([
    ["{{ env_var('NAME') | as_number }}", /'db' is not a number \(as_number\)/],
    ["{{ env_var('NAME') | as_bool }}", /'db' is not true or false/],
    ["{{ target.name }}", /only env_var\(\), var\(\), literals and the filters/],
    ["{{ env_var('NAME') | reverse }}", /only env_var\(\), var\(\), literals and the filters/],
    ["{% if true %}x{% endif %}", /only \{\{ \.\.\. \}\} expressions/],
  ])('%s is an error STR106', (text, message) => {
    expect(() => renderConfigValue(text, context)).toThrow(message);
  });
});

describe.skipIf(!testPostgresUrl())('dbt-postgres connection fields on a live server [postgres]', () => {
  const url = testPostgresUrl() ?? '';
  const base: PostgresTarget = { name: 'live', type: 'postgres', schema: 'public', threads: 1, url };

  it('role and search_path are in force from the first statement of every connection', async () => {
    const role = `strata_role_${process.pid}`;
    const admin = await openAdapter(base);
    try {
      await admin.query(`drop role if exists ${role}`);
      await admin.query(`create role ${role}`);
      await admin.query(`grant ${role} to current_user`);
      const adapter = await openAdapter({ ...base, threads: 2, role, searchPath: 'pg_catalog, public' });
      try {
        const result = await adapter.query<{ who: string; path: string }>('select current_user as who, current_setting($1) as path', ['search_path']);
        expect(result.rows[0]).toEqual({ who: role, path: 'pg_catalog, public' });
      } finally {
        await adapter.close();
      }
    } finally {
      await admin.query(`drop role if exists ${role}`).catch(() => {});
      await admin.close();
    }
  });

  it('retries: a refused connection is tried again, then fails with STR520', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await openAdapter({ ...base, url: undefined, host: '127.0.0.1', port, retries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('STR520');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

/** A local port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
