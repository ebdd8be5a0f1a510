import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hubApiUrl } from '../../compiler/deps/hub.js';
import { installed, makeProject, packageFiles, runDeps, startHub } from './deps-fixtures.js';

let hub: Awaited<ReturnType<typeof startHub>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  hub = await startHub();
  env = { ...process.env, DBT_PACKAGE_HUB_URL: hub.url };
  for (const version of ['0.9.0', '1.0.0', '1.3.0', '1.4.1', '2.0.0-b1']) {
    hub.publish('dbt-labs/dbt_utils', version, { files: packageFiles('dbt_utils', { macro: `-- dbt_utils ${version}\n` }) });
  }
  // codegen needs dbt_utils from the hub; audit_helper pins an older range.
  hub.publish('dbt-labs/codegen', '0.12.1', { files: packageFiles('codegen'), packages: [{ package: 'dbt-labs/dbt_utils', version: ['>=1.0.0', '<2.0.0'] }] });
  hub.publish('dbt-labs/audit_helper', '0.9.0', { files: packageFiles('audit_helper'), packages: [{ package: 'dbt-labs/dbt_utils', version: ['>=0.9.0', '<1.4.0'] }] });
  hub.publish('dbt-labs/old_helper', '0.1.0', { files: packageFiles('old_helper'), packages: [{ package: 'dbt-labs/dbt_utils', version: '<1.0.0' }] });
  hub.publish('acme/tampered', '1.0.0', { files: packageFiles('tampered'), wrongSha1: true });
});

afterAll(() => hub.close());

const utilsMacro = (project: string) => readFileSync(path.join(project, 'dbt_packages/dbt_utils/macros/dbt_utils.sql'), 'utf8');

describe('hub packages', () => {
  it('takes the API root from DBT_PACKAGE_HUB_URL as dbt does', () => {
    expect(hubApiUrl({})).toBe('https://hub.getdbt.com/api/v1/');
    expect(hubApiUrl({ DBT_PACKAGE_HUB_URL: 'http://h:1/' })).toBe('http://h:1/api/v1/');
    expect(hubApiUrl({ DBT_PACKAGE_HUB_URL: 'http://h:1/api/v1' })).toBe('http://h:1/api/v1/');
  });

  it('installs the highest release in range from the tarball, and locks it', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n');
    const run = await runDeps(project, { env });
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(['dbt_utils 1.4.1 hub']);
    expect(utilsMacro(project)).toBe('-- dbt_utils 1.4.1\n');
    const lock = parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8'));
    expect(lock.packages).toEqual([{ package: 'dbt-labs/dbt_utils', name: 'dbt_utils', version: '1.4.1' }]);
    expect(lock.sha1_hash).toMatch(/^[0-9a-f]{40}$/);
  });

  it('installs a prerelease only with install-prerelease, or when pinned to it', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/dbt_utils\n    version: ">=1.0.0"\n    install-prerelease: true\n');
    expect((await runDeps(project, { env })).lines).toEqual(['dbt_utils 2.0.0-b1 hub']);
    const pinned = makeProject('packages:\n  - package: dbt-labs/dbt_utils\n    version: "2.0.0-b1"\n');
    expect((await runDeps(pinned, { env })).lines).toEqual(['dbt_utils 2.0.0-b1 hub']);
  });

  it('intersects the ranges of transitive requirers', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/codegen\n    version: 0.12.1\n  - package: dbt-labs/audit_helper\n    version: [">=0.9.0"]\n');
    const run = await runDeps(project, { env });
    expect(run.error).toBeUndefined();
    expect(run.lines.sort()).toEqual(['audit_helper 0.9.0 hub', 'codegen 0.12.1 hub', 'dbt_utils 1.3.0 hub']);
    expect(installed(project)).toEqual(['audit_helper', 'codegen', 'dbt_utils']);
    const lock = parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8'));
    expect(lock.packages.map((p: { name: string; version: string }) => `${p.name} ${p.version}`).sort()).toEqual(['audit_helper 0.9.0', 'codegen 0.12.1', 'dbt_utils 1.3.0']);
  });

  it('installs a tarball: entry from its URL, and locks the URL', async () => {
    const project = makeProject(`packages:\n  - tarball: "${hub.url}/tarballs/dbt-labs/codegen/0.12.1.tar.gz"\n    name: codegen\n`);
    const run = await runDeps(project, { env });
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(['codegen tarball']);
    expect(parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8')).packages).toEqual([{ tarball: `${hub.url}/tarballs/dbt-labs/codegen/0.12.1.tar.gz`, name: 'codegen' }]);
    expect((await runDeps(project, { env })).result?.fromLock).toBe(true);
  });

  it('a version conflict names both requirers; nothing is installed', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/codegen\n    version: 0.12.1\n  - package: dbt-labs/old_helper\n    version: 0.1.0\n');
    const run = await runDeps(project, { env });
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR608', file: 'packages.yml', line: 4, column: 5 });
    expect(run.error?.message).toContain('version conflict for dbt-labs/dbt_utils');
    expect(run.error?.message).toContain('>=1.0.0, <2.0.0 (dbt-labs/codegen@0.12.1, packages.yml:2:5)');
    expect(run.error?.message).toContain('<1.0.0 (dbt-labs/old_helper@0.1.0, packages.yml:4:5)');
    expect(installed(project)).toEqual([]);
  });

  it('honours the lock on the next run; --upgrade and a changed packages.yml resolve again; --lock only writes the lock', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<3.0.0"]\n');
    expect((await runDeps(project, { env })).lines).toEqual(['dbt_utils 1.4.1 hub']);
    hub.publish('dbt-labs/dbt_utils', '1.5.0', { files: packageFiles('dbt_utils', { macro: '-- dbt_utils 1.5.0\n' }) });
    {
      const again = await runDeps(project, { env });
      expect(again.result?.fromLock).toBe(true);
      expect(again.lines).toEqual(['dbt_utils 1.4.1 hub']);
      expect(utilsMacro(project)).toBe('-- dbt_utils 1.4.1\n');

      const lockOnly = await runDeps(project, { env, upgrade: true, lockOnly: true });
      expect(lockOnly.lines).toEqual([]);
      expect(utilsMacro(project)).toBe('-- dbt_utils 1.4.1\n');
      expect(parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8')).packages[0].version).toBe('1.5.0');

      const upgraded = await runDeps(project, { env, upgrade: true });
      expect(upgraded.lines).toEqual(['dbt_utils 1.5.0 hub']);
      expect(utilsMacro(project)).toBe('-- dbt_utils 1.5.0\n');
    }
  });

  it('unknown packages, unsatisfiable ranges, an unreachable hub and a bad tarball: errors, nothing half-installed', async () => {
    const project = makeProject('packages:\n  - package: dbt-labs/dbt_utils\n    version: "1.0.0"\n');
    expect((await runDeps(project, { env })).lines).toEqual(['dbt_utils 1.0.0 hub']);
    const cases: [string, NodeJS.ProcessEnv, string, string][] = [
      ['  - package: dbt-labs/no_such_package\n    version: "1.0.0"\n', env, 'STR607', "no package 'dbt-labs/no_such_package'"],
      ['  - package: dbt-labs/dbt_utils\n    version: [">=3.0.0"]\n', env, 'STR608', 'no published version of dbt-labs/dbt_utils satisfies >=3.0.0'],
      ['  - package: dbt-labs/dbt_utils\n    version: "1.3.0"\n', { ...env, DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:9' }, 'STR606', 'cannot reach http://127.0.0.1:9/api/v1/dbt-labs/dbt_utils.json'],
      ['  - package: acme/tampered\n    version: "1.0.0"\n', env, 'STR606', 'has sha1'],
    ];
    for (const [entry, caseEnv, code, message] of cases) {
      const run = await runDeps(makeProjectWith(project, entry), { env: caseEnv });
      expect(run.error?.diagnostics[0], code).toMatchObject({ code, file: 'packages.yml', line: 2, column: 5, message: expect.stringContaining(message) });
      expect(installed(project)).toEqual(['dbt_utils']);
      expect(utilsMacro(project)).toBe('-- dbt_utils 1.0.0\n');
    }
    expect(existsSync(path.join(project, 'dbt_packages/tampered'))).toBe(false);
  });
});

function makeProjectWith(project: string, entry: string): string {
  writeFileSync(path.join(project, 'packages.yml'), `packages:\n${entry}`);
  return project;
}
