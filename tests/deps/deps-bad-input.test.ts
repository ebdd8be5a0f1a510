/**
 * Packages gone wrong, as users meet them (the CLI as a child process): declared but not installed, a
 * broken package, two packages with one name, a ref or a macro call into a package that is not there,
 * `deps` without network. Each is exit code 2 with the file, line and column where it was declared and
 * a hint, and nothing is built (no target/ artifacts, no embedded database created) or half-installed.
 *
 * Runs dist/: `npx tsc -p tsconfig.build.json` first (npm test does it in pretest).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { strata } from '../support/strata-cli.js';
import { installed, packageFiles, tempDir, writeFiles } from './deps-fixtures.js';

/** A root project (the embedded default target, so a build would create .strata/) with one model. */
function project(files: Record<string, string>): string {
  return writeFiles(tempDir('strata-deps-bad-'), { 'project.yml': 'name: root_app\n', 'models/m.sql': 'select 1 as id\n', ...files });
}

/** Exit code 2, and neither run artifacts nor a database. */
function expectNothingBuilt(dir: string, result: { exitCode: number; output: string }): void {
  expect(result.exitCode, result.output).toBe(2);
  expect(existsSync(path.join(dir, 'target/run_results.json'))).toBe(false);
  expect(existsSync(path.join(dir, '.strata'))).toBe(false);
}

const packageAt = (folder: string, name: string) => Object.fromEntries(Object.entries(packageFiles(name)).map(([file, text]) => [`${folder}/${file}`, text]));

describe('packages: bad input', () => {
  it('packages declared in packages.yml but not installed: STR173 at packages.yml, hint run strata deps', async () => {
    const dir = project({
      'packages.yml': 'packages:\n  - local: pkgs/a\n  - local: pkgs/b\n',
      ...packageAt('pkgs/a', 'a_pkg'),
      ...packageAt('pkgs/b', 'b_pkg'),
    });
    const build = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, build);
    expect(build.stderr).toMatch(/packages\.yml:2:3\s+error STR173\s+found 2 packages specified in packages\.yml, but only 0 installed in dbt_packages/);
    expect(build.stderr).toContain('run strata deps');

    // Installed, it loads; one package removed afterwards, the lock names it.
    const deps = await strata(['deps', '--project-dir', dir]);
    expect(deps.exitCode, deps.output).toBe(0);
    const ls = await strata(['ls', '--project-dir', dir]);
    expect(ls.exitCode, ls.output).toBe(0);
    rmSync(path.join(dir, 'dbt_packages/b_pkg'), { recursive: true });
    const again = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, again);
    expect(again.stderr).toMatch(/packages\.yml:2:3\s+error STR173\s+found 2 packages specified in packages\.yml, but only 1 installed in dbt_packages \(not installed: b_pkg\)/);
  });

  it('dependencies.yml counts too, and an installed transitive package counts as installed (dbt compares counts)', async () => {
    const dir = project({
      'dependencies.yml': 'projects: []\npackages:\n  - local: pkgs/a\n',
      ...packageAt('pkgs/a', 'a_pkg'),
    });
    const ls = await strata(['ls', '--project-dir', dir]);
    expectNothingBuilt(dir, ls);
    expect(ls.stderr).toMatch(/dependencies\.yml:3:3\s+error STR173\s+found 1 package specified in dependencies\.yml, but only 0 installed/);

    writeFiles(dir, { 'pkgs/a/packages.yml': 'packages:\n  - local: ../b\n', ...packageAt('pkgs/b', 'b_pkg') });
    expect((await strata(['deps', '--project-dir', dir])).exitCode).toBe(0);
    expect(installed(dir)).toEqual(['a_pkg', 'b_pkg']);
    rmSync(path.join(dir, 'dbt_packages/b_pkg'), { recursive: true });
    const ok = await strata(['ls', '--project-dir', dir]);
    expect(ok.exitCode, ok.output).toBe(0);
  });

  it("an installed package whose dbt_project.yml does not parse, or has no name: the package's file and line", async () => {
    const dir = project({ 'dbt_packages/broken/dbt_project.yml': "name: broken\nversion: '1.0.0'\nmodels: [unclosed\n" });
    const syntax = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, syntax);
    expect(syntax.stderr).toMatch(/dbt_packages\/broken\/dbt_project\.yml:\d+:\d+\s+error STR101\s+invalid YAML/);

    writeFiles(dir, { 'dbt_packages/broken/dbt_project.yml': "version: '1.0.0'\nconfig-version: 2\n" });
    const nameless = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, nameless);
    expect(nameless.stderr).toMatch(/dbt_packages\/broken\/dbt_project\.yml:1:1\s+error STR172\s+package dbt_packages\/broken has no valid name/);
    expect(nameless.stderr).toContain('run strata deps again');
  });

  it('two installed packages with one name: STR171 at the second one’s name:, naming the first', async () => {
    const dir = project({ ...packageAt('dbt_packages/one', 'twin'), ...packageAt('dbt_packages/two', 'twin') });
    const build = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, build);
    expect(build.stderr).toMatch(/dbt_packages\/two\/dbt_project\.yml:1:7\s+error STR171\s+two packages are named 'twin'/);
    expect(build.stderr).toContain('the other is dbt_packages/one/dbt_project.yml; remove one from packages.yml and run strata deps');
  });

  it("a ref('pkg', 'm') to a package that is not installed: STR206 at the ref, hint run strata deps", async () => {
    const dir = project({ 'models/m.sql': "select *\nfrom {{ ref('helpers', 'helper_numbers') }}\n" });
    const build = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, build);
    expect(build.stderr).toMatch(/models\/m\.sql:2:\d+\s+error STR206\s+ref to unknown package 'helpers'/);
    expect(build.stderr).toContain('strata deps');
  });

  it('pkg.macro() of a package that is not installed says so; of an installed package, names the missing macro', async () => {
    const dir = project({ 'models/m.sql': "select\n  '{{ helpers.greet() }}' as greeting\n" });
    const build = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, build);
    expect(build.stderr).toMatch(/models\/m\.sql:2:\d+\s+error STR202\s+(?:template error: )?'helpers\.greet' is not a macro or function here: 'helpers' is not an installed package, nor a value with a 'greet' member \(if it is a package, run strata deps\)/);

    writeFiles(dir, packageAt('dbt_packages/helpers', 'helpers'));
    const missing = await strata(['build', '--project-dir', dir]);
    expectNothingBuilt(dir, missing);
    expect(missing.stderr).toMatch(/models\/m\.sql:2:\d+\s+error STR202\s+(?:template error: )?package 'helpers' has no macro 'greet'/);

    // A name that is not a package keeps the plain message.
    writeFiles(dir, { 'models/m.sql': "select '{{ adapter.no_such_method() }}' as x\n" });
    const other = await strata(['ls', '--project-dir', dir]);
    expect(other.exitCode).toBe(2);
    expect(other.stderr).toContain("'adapter.no_such_method' is not a macro or function here");
    expect(other.stderr).not.toContain('installed package');
  });

  it('deps without network for a hub package: STR606 at the entry; what was installed stays, nothing half-installed', async () => {
    const dir = project({ 'packages.yml': 'packages:\n  - local: pkgs/a\n', ...packageAt('pkgs/a', 'a_pkg'), ...packageAt('pkgs/b', 'b_pkg') });
    expect((await strata(['deps', '--project-dir', dir])).exitCode).toBe(0);
    const lock = readFileSync(path.join(dir, 'package-lock.yml'), 'utf8');

    writeFiles(dir, { 'packages.yml': 'packages:\n  - local: pkgs/a\n  - local: pkgs/b\n  - package: acme/remote_pkg\n    version: [">=1.0.0", "<2.0.0"]\n' });
    const deps = await strata(['deps', '--project-dir', dir], { env: { DBT_PACKAGE_HUB_URL: `http://127.0.0.1:${await closedPort()}` } });
    expect(deps.exitCode, deps.output).toBe(2);
    expect(deps.stderr).toMatch(/packages\.yml:4:5\s+error STR606\s+.*remote_pkg/);
    expect(installed(dir)).toEqual(['a_pkg']);
    expect(readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')).toBe(lock);
  });
});

/** A port nothing listens on: one the OS just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
