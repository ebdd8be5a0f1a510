import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { listInstalledPackages, packagesInstallPath } from '../../compiler/deps/installed-packages.js';
import { packagesHash } from '../../compiler/deps/lock-file.js';
import { installed, makeProject, packageFiles, runDeps, tempDir, writeFiles } from './deps-fixtures.js';

describe('local packages', () => {
  it('installs a symlink under the name of its dbt_project.yml and writes the lock', async () => {
    const packages = tempDir();
    writeFiles(path.join(packages, 'utils-folder'), packageFiles('my_utils'));
    const project = makeProject(`packages:\n  - local: ${path.join(packages, 'utils-folder')}\n`);
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(['my_utils local']);
    const dir = path.join(project, 'dbt_packages/my_utils');
    expect(lstatSync(dir).isSymbolicLink()).toBe(true);
    expect(readlinkSync(dir)).toBe(path.join(packages, 'utils-folder'));
    expect(installed(project)).toEqual(['my_utils']);
    const lock = parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8'));
    expect(lock.packages).toEqual([{ local: path.join(packages, 'utils-folder'), name: 'my_utils' }]);
    expect(lock.sha1_hash).toBe(packagesHash([{ local: path.join(packages, 'utils-folder') }]));
    expect(listInstalledPackages(project)).toEqual([{ name: 'my_utils', dir }]);
  });

  it('copies when symlinks are not wanted, and follows transitive local packages', async () => {
    const project = makeProject('packages:\n  - local: vendor/a\n');
    writeFiles(path.join(project, 'vendor/a'), packageFiles('pkg_a', { packagesYml: 'packages:\n  - local: ../b\n' }));
    writeFiles(path.join(project, 'vendor/b'), packageFiles('pkg_b'));
    const run = await runDeps(project, { symlinkLocal: false });
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(['pkg_a local', 'pkg_b local']);
    expect(lstatSync(path.join(project, 'dbt_packages/pkg_a')).isSymbolicLink()).toBe(false);
    expect(existsSync(path.join(project, 'dbt_packages/pkg_b/macros/pkg_b.sql'))).toBe(true);
    const lock = parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8'));
    expect(lock.packages).toEqual([{ local: 'vendor/a', name: 'pkg_a' }, { local: 'vendor/b', name: 'pkg_b' }]);
  });

  it('reads packages-install-path and dependencies.yml', async () => {
    const project = makeProject('', { 'project.yml': "name: root_project\npackages-install-path: 'vendor_packages'\n", 'dependencies.yml': 'packages:\n  - local: ./pkgs/one\n' });
    writeFiles(path.join(project, 'pkgs/one'), packageFiles('one'));
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(installed(project, 'vendor_packages')).toEqual(['one']);
    expect(packagesInstallPath(project)).toBe(path.join(project, 'vendor_packages'));
    expect(listInstalledPackages(project).map((p) => p.name)).toEqual(['one']);
  });

  it('a folder without project.yml is an error', async () => {
    const run = await runDeps(tempDir());
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR609', message: expect.stringContaining('no project.yml or dbt_project.yml') });
  });

  it('says so when there is nothing to install', async () => {
    const project = makeProject('packages: []\n');
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(run.events).toEqual([{ type: 'info', message: expect.stringContaining('No packages') }]);
  });

  it('a missing local package is an error at its entry; nothing is installed', async () => {
    const project = makeProject('packages:\n  - local: pkgs/good\n  - local: pkgs/missing\n');
    writeFiles(path.join(project, 'pkgs/good'), packageFiles('good'));
    const run = await runDeps(project);
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR602', file: 'packages.yml', line: 3, column: 5 });
    expect(installed(project)).toEqual([]);
    expect(existsSync(path.join(project, 'package-lock.yml'))).toBe(false);
  });

  it('a package with a broken dbt_project.yml is an error; the installed packages stay as they were', async () => {
    const project = makeProject('packages:\n  - local: pkgs/good\n');
    writeFiles(path.join(project, 'pkgs/good'), packageFiles('good'));
    expect((await runDeps(project)).error).toBeUndefined();
    writeFiles(project, { 'packages.yml': 'packages:\n  - local: pkgs/good\n  - local: pkgs/broken\n', 'pkgs/broken/dbt_project.yml': 'name: [unclosed\n' });
    const run = await runDeps(project);
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR609', file: 'packages.yml', line: 3, column: 5 });
    expect(run.error?.message).toContain("package 'pkgs/broken'");
    expect(installed(project)).toEqual(['good']);
    writeFiles(project, { 'pkgs/broken/dbt_project.yml': 'version: 1\n' });
    expect((await runDeps(project)).error?.diagnostics[0]).toMatchObject({ code: 'STR609', message: expect.stringContaining('no valid name') });
  });

  it('two packages with the same name are an error naming both entries', async () => {
    const project = makeProject('packages:\n  - local: pkgs/one\n  - local: pkgs/two\n');
    writeFiles(path.join(project, 'pkgs/one'), packageFiles('same_name'));
    writeFiles(path.join(project, 'pkgs/two'), packageFiles('same_name'));
    const run = await runDeps(project);
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR610', file: 'packages.yml', line: 3, column: 5 });
    expect(run.error?.message).toContain('local pkgs/one (the root project, packages.yml:2:5) and local pkgs/two');
    expect(installed(project)).toEqual([]);
  });

  it('invalid entries are errors at their place', async () => {
    const project = makeProject('packages:\n  - local: a\n    git: b\n  - package: dbt_utils\n    version: 1.0.0\n');
    const run = await runDeps(project);
    expect(run.error?.diagnostics[0]).toMatchObject({ code: 'STR601', line: 2, column: 5, message: expect.stringContaining('local and git') });
    writeFiles(project, { 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: "^1.0"\n' });
    expect((await runDeps(project)).error?.diagnostics[0]).toMatchObject({ code: 'STR601', line: 2, message: expect.stringContaining('not understood') });
    writeFiles(project, { 'packages.yml': 'packages:\n  - local: [\n' });
    expect((await runDeps(project)).error?.diagnostics[0]).toMatchObject({ code: 'STR600', file: 'packages.yml' });
  });

  it('the dbt-utils integration tests project installs dbt_utils from local: ../', async () => {
    const repoRoot = path.resolve(import.meta.dirname, '../..');
    const source = path.resolve(repoRoot, '../shared/dbt/dbt-utils-1.4.1');
    const copy = path.join(tempDir(), 'dbt-utils-1.4.1');
    const { cpSync } = await import('node:fs');
    cpSync(source, copy, { recursive: true });
    const project = path.join(copy, 'integration_tests');
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual(['dbt_utils local']);
    expect(realpathSync(path.join(project, 'dbt_packages/dbt_utils'))).toBe(realpathSync(copy));
    expect(existsSync(path.join(project, 'dbt_packages/dbt_utils/macros'))).toBe(true);
    expect(installed(project)).toEqual(['dbt_utils']);
    const copied = await runDeps(project, { symlinkLocal: false, upgrade: true });
    expect(copied.error).toBeUndefined();
    expect(existsSync(path.join(project, 'dbt_packages/dbt_utils/integration_tests/dbt_packages'))).toBe(false);
    expect(existsSync(path.join(project, 'dbt_packages/dbt_utils/macros/sql/star.sql'))).toBe(true);
  });
});
