/**
 * dbt_utils 1.4.1's integration project (test input from ../shared, read-only) copied to a temporary
 * folder as its CI runs it: the profiles.yml its CI writes (plus an embedded output) and the environment
 * its postgres.env names, pointed at the test server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testPostgresUrl } from './engines.js';
import { REPO_ROOT } from './strata-cli.js';

const PACKAGE = path.resolve(REPO_ROOT, '../shared/dbt/dbt-utils-1.4.1');

/** The profiles.yml of dbt_utils' CI, plus an embedded output. */
const PROFILES = `integration_tests:
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
    pglite:
      type: pglite
      schema: "{{ env_var('POSTGRES_SCHEMA') }}"
`;

/** A writable copy of the package; `project` is its `integration_tests/` folder, with profiles.yml. */
export function copyDbtUtilsProject(prefix: string): { copy: string; project: string } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(PACKAGE, copy, { recursive: true });
  // The shared copy is read-only; target/, dbt_packages/ and .strata/ are written into the copy.
  for (const entry of fs.readdirSync(copy, { recursive: true, withFileTypes: true })) {
    fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
  fs.chmodSync(copy, 0o755);
  const project = path.join(copy, 'integration_tests');
  fs.writeFileSync(path.join(project, 'profiles.yml'), PROFILES);
  return { copy, project };
}

/** The environment of dbt_utils' `.env/postgres.env`, for the test server and `schema`. */
export function dbtUtilsEnv(schema: string): Record<string, string> {
  const url = new URL(testPostgresUrl() ?? 'postgres://localhost/postgres');
  return {
    POSTGRES_HOST: url.hostname,
    POSTGRES_USER: decodeURIComponent(url.username),
    DBT_ENV_SECRET_POSTGRES_PASS: decodeURIComponent(url.password),
    POSTGRES_PORT: url.port || '5432',
    POSTGRES_DATABASE: url.pathname.replace(/^\//, '') || 'postgres',
    POSTGRES_SCHEMA: schema,
    DBT_PROFILES_DIR: '.',
  };
}
