/**
 * dbt_project.yml as dbt accepts it: every documented key loads; the ones Strata does not act on are
 * one warning each (STR107), an undocumented one is a warning with a did-you-mean (STR108), and the
 * CLI prints them once per command. The dbt_utils integration project is the acid test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../compiler/project/load-project.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { strata } from './cli.js';

const DBT_UTILS = path.resolve('../shared/dbt/dbt-utils-1.4.1');
/** A copy of dbt_utils' integration project with dbt_utils installed (a link, as `strata deps` makes). */
const DBT_UTILS_INTEGRATION = (() => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-utils-copy-')), 'integration_tests');
  fs.cpSync(path.join(DBT_UTILS, 'integration_tests'), dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  fs.mkdirSync(path.join(dir, 'dbt_packages'));
  fs.symlinkSync(DBT_UTILS, path.join(dir, 'dbt_packages', 'dbt_utils'));
  return dir;
})();
afterAll(() => fs.rmSync(path.dirname(DBT_UTILS_INTEGRATION), { recursive: true, force: true }));
const HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-home-'));
const tempDirs = [HOME];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A project directory holding `dbt_project.yml` with `text` (and a models/ folder). */
function dbtProject(text: string, files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-dbt-project-'));
  tempDirs.push(dir);
  fs.mkdirSync(path.join(dir, 'models'));
  fs.writeFileSync(path.join(dir, 'dbt_project.yml'), text);
  for (const [file, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), content);
  return dir;
}

/** An environment with no ~/.dbt/profiles.yml, so the machine running the tests does not leak in. */
const ENV = { HOME };

const EVERY_KEY = `name: 'every_key'
version: '1.0.0'
config-version: 2
profile: 'every_key'
model-paths: ["models"]
seed-paths: ["seeds"]
test-paths: ["tests"]
analysis-paths: ["analyses"]
macro-paths: ["macros"]
snapshot-paths: ["snapshots"]
docs-paths: ["docs"]
asset-paths: ["assets"]
packages-install-path: vendored_packages
target-path: "target"
clean-targets: ["target", "dbt_packages"]
query-comment: "run by {{ target.name }}"
require-dbt-version: [">=1.7.0", "<2.0.0"]
dbt-cloud:
  project-id: 12345
flags:
  send_anonymous_usage_stats: false
quoting:
  database: false
  schema: false
  identifier: false
dispatch:
  - macro_namespace: dbt_utils
    search_order: ['every_key', 'dbt_utils']
restrict-access: false
vars:
  start_date: '2024-01-01'
on-run-start: ["select 1"]
on-run-end: ["select 2"]
models:
  every_key:
    +materialized: view
seeds:
  every_key:
    +quote_columns: false
snapshots:
  every_key:
    +target_schema: snapshots
data_tests:
  +severity: warn
sources:
  every_key:
    +enabled: true
unit_tests:
  +enabled: true
exposures:
  +enabled: true
metrics:
  +enabled: true
semantic-models:
  +enabled: true
saved-queries:
  +enabled: true
`;

const NOT_ACTED_ON = [
  'asset-paths', 'clean-targets', 'query-comment',
  'require-dbt-version', 'dbt-cloud', 'flags', 'quoting', 'restrict-access', 'unit_tests',
  'exposures', 'metrics', 'semantic-models', 'saved-queries',
];

describe('dbt_project.yml keys', () => {
  it('loads a dbt_project.yml with every documented key: no error, one STR107 warning per key not acted on', () => {
    const dir = dbtProject(EVERY_KEY);
    const project = loadProject(dir, { env: ENV });
    expect(project.name).toBe('every_key');
    expect(project.dispatch).toEqual([{ macroNamespace: 'dbt_utils', searchOrder: ['every_key', 'dbt_utils'] }]);
    expect(project.paths.packages).toBe('vendored_packages');
    expect(project.vars).toEqual({ start_date: '2024-01-01' });
    expect(project.onRunStart).toEqual(['select 1']);
    expect(project.target.type).toBe('pglite');
    expect(project.warnings.every((w) => w.code === 'STR107' && w.severity === 'warn' && w.file === 'dbt_project.yml')).toBe(true);
    expect(project.warnings.map((w) => /^'([^']+)'/.exec(w.message)?.[1]).sort()).toEqual([...NOT_ACTED_ON].sort());
    const flags = project.warnings.find((w) => w.message.startsWith("'flags'"));
    expect(flags).toMatchObject({ line: 20, column: 1, message: "'flags' is accepted but Strata does not act on it" });
  });

  it('packages-install-path defaults to dbt_packages; dispatch defaults to none', () => {
    const project = loadProject(dbtProject('name: plain\n'), { env: ENV });
    expect(project.paths.packages).toBe('dbt_packages');
    expect(project.dispatch).toEqual([]);
    expect(project.warnings).toEqual([]);
  });

  it('an undocumented key is a warning with a did-you-mean, not a refusal', () => {
    const project = loadProject(dbtProject('name: typo\nmodel-path: [models]\nwhatever_this_is: 1\n'), { env: ENV });
    expect(project.warnings).toEqual([
      { code: 'STR108', severity: 'warn', message: "unknown key 'model-path' (ignored)", file: 'dbt_project.yml', line: 2, column: 1, hint: "did you mean 'model-paths'?" },
      expect.objectContaining({ code: 'STR108', message: "unknown key 'whatever_this_is' (ignored)", line: 3 }),
    ]);
    expect(project.warnings[1].hint).not.toMatch(/did you mean/);
  });

  it('a malformed dispatch entry is an error at its place', () => {
    const dir = dbtProject('name: bad\ndispatch:\n  - macro_namespace: dbt_utils\n    search_order: dbt_utils\n');
    let error: unknown;
    try {
      loadProject(dir, { env: ENV });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).diagnostics[0]).toMatchObject({ code: 'STR102', file: 'dbt_project.yml', line: 4 });
    expect((error as StrataError).diagnostics[0].message).toMatch(/dispatch\.0\.search_order/);
  });

  it("loads dbt_utils' integration_tests/dbt_project.yml: no error, warnings only for keys not acted on", () => {
    const project = loadProject(DBT_UTILS_INTEGRATION, { env: ENV });
    expect(project.name).toBe('dbt_utils_integration_tests');
    expect(project.paths.seeds).toEqual(['data']);
    expect(project.dispatch).toEqual([{ macroNamespace: 'dbt_utils', searchOrder: ['dbt_utils_integration_tests', 'dbt_utils'] }]);
    expect(project.warnings.map((w) => `${w.code} ${w.line} ${w.message}`)).toEqual([
      "STR107 18 'clean-targets' is accepted but Strata does not act on it",
      "STR107 23 'flags' is accepted but Strata does not act on it",
    ]);
    expect(project.files.seeds.length).toBeGreaterThan(10);
  });

  it("loads dbt_utils' integration project with the profiles.yml its CI uses (a snowflake output beside, its env vars unset)", () => {
    const profiles = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-utils-profiles-'));
    tempDirs.push(profiles);
    fs.writeFileSync(
      path.join(profiles, 'profiles.yml'),
      [
        'integration_tests:',
        '  target: postgres',
        '  outputs:',
        '    postgres:',
        '      type: "postgres"',
        `      host: "{{ env_var('POSTGRES_HOST') }}"`,
        `      user: "{{ env_var('POSTGRES_USER') }}"`,
        `      pass: "{{ env_var('DBT_ENV_SECRET_POSTGRES_PASS') }}"`,
        `      port: "{{ env_var('POSTGRES_PORT') | as_number }}"`,
        `      dbname: "{{ env_var('POSTGRES_DATABASE') }}"`,
        `      schema: "{{ env_var('POSTGRES_SCHEMA') }}"`,
        '      threads: 5',
        `    snowflake: {type: snowflake, account: "{{ env_var('SNOWFLAKE_ACCOUNT') }}", threads: 10}`,
        '',
      ].join('\n'),
    );
    const env = { ...ENV, POSTGRES_HOST: 'localhost', POSTGRES_USER: 'ci', DBT_ENV_SECRET_POSTGRES_PASS: 'x', POSTGRES_PORT: '5432', POSTGRES_DATABASE: 'ci', POSTGRES_SCHEMA: 'dbt_utils_ci' };
    const project = loadProject(DBT_UTILS_INTEGRATION, { env, profilesDir: profiles });
    expect(project.target).toMatchObject({ type: 'postgres', name: 'postgres', port: 5432, database: 'ci', password: 'x', schema: 'dbt_utils_ci', threads: 5 });
    expect(project.warnings.every((w) => w.code === 'STR107')).toBe(true);
  });

  it('the CLI prints the warnings once per command, as text and as JSON', async () => {
    const dir = dbtProject('name: cli_warn\nflags:\n  use_colors: false\nmodel-path: [models]\n', { 'models/one.sql': 'select 1 as id\n' });
    const text = await strata(['ls', '--project-dir', dir], { env: ENV });
    expect(text.exitCode, text.output).toBe(0);
    expect(text.output.match(/dbt_project\.yml:2:1\s+warning STR107\s+'flags' is accepted but Strata does not act on it/g)).toHaveLength(1);
    expect(text.output.match(/dbt_project\.yml:4:1\s+warning STR108\s+unknown key 'model-path' \(ignored\)\s+\(did you mean 'model-paths'\?\)/g)).toHaveLength(1);
    expect(text.stdout).toMatch(/cli_warn\.one/);

    const json = await strata(['ls', '--project-dir', dir, '--log-format', 'json'], { env: ENV });
    expect(json.exitCode, json.output).toBe(0);
    const diagnostics = json.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; code?: string; severity?: string })
      .filter((entry) => entry.type === 'diagnostic');
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['STR107', 'warn'],
      ['STR108', 'warn'],
    ]);
  });
});
