import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installed, makeGitRepo, makeProject, packageFiles, runDeps, writeFiles } from './deps-fixtures.js';

/** A repository whose dbt package lives in `pkg/`: v1.0.0 and v2.0.0 tags, then a newer main. */
function repoWithTwoTags() {
  const repo = makeGitRepo();
  const v1 = repo.commit({ 'README.md': 'repo\n', ...prefix('pkg/', packageFiles('git_pkg', { macro: '-- v1\n' })) }, 'v1.0.0');
  const v2 = repo.commit(prefix('pkg/', { 'macros/git_pkg.sql': '-- v2\n' }), 'v2.0.0');
  const head = repo.commit(prefix('pkg/', { 'macros/git_pkg.sql': '-- main\n' }));
  return { ...repo, v1, v2, head };
}

function prefix(folder: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([file, text]) => [folder + file, text]));
}

const macro = (project: string) => readFileSync(path.join(project, 'dbt_packages/git_pkg/macros/git_pkg.sql'), 'utf8');

describe('git packages', () => {
  it('installs a tag of a subdirectory and locks its commit; the lock is honoured, --upgrade re-resolves', async () => {
    const repo = repoWithTwoTags();
    const project = makeProject(`packages:\n  - git: "${repo.url}"\n    revision: v1.0.0\n    subdirectory: pkg\n`);
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(run.lines).toEqual([`git_pkg v1.0.0 ${repo.v1.slice(0, 7)} git`]);
    expect(macro(project)).toBe('-- v1\n');
    expect(existsSync(path.join(project, 'dbt_packages/git_pkg/dbt_project.yml'))).toBe(true);
    expect(existsSync(path.join(project, 'dbt_packages/git_pkg/README.md'))).toBe(false);
    const lock = parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8'));
    expect(lock.packages).toEqual([{ git: repo.url, name: 'git_pkg', revision: repo.v1, subdirectory: 'pkg' }]);

    // The tag moves: a locked install keeps the locked commit; --upgrade takes the tag's new commit.
    const { git } = await import('./deps-fixtures.js');
    const bare = repo.url.replace('file://', '');
    git(bare, 'tag', '-f', 'v1.0.0', repo.v2);
    const locked = await runDeps(project);
    expect(locked.result?.fromLock).toBe(true);
    expect(macro(project)).toBe('-- v1\n');
    const upgraded = await runDeps(project, { upgrade: true });
    expect(upgraded.result?.fromLock).toBe(false);
    expect(macro(project)).toBe('-- v2\n');
    expect(parse(readFileSync(path.join(project, 'package-lock.yml'), 'utf8')).packages[0].revision).toBe(repo.v2);
  });

  it('installs a branch, a commit id, and warns when unpinned', async () => {
    const repo = repoWithTwoTags();
    const whole = makeGitRepo();
    whole.commit(packageFiles('whole_repo'));
    const project = makeProject(`packages:\n  - git: "${repo.url}"\n    revision: main\n    subdirectory: pkg/\n  - git: "${whole.url}"\n`);
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(macro(project)).toBe('-- main\n');
    expect(existsSync(path.join(project, 'dbt_packages/whole_repo/.git'))).toBe(false);
    const warnings = run.events.filter((e) => e.type === 'warning');
    expect(warnings).toEqual([{ type: 'warning', diagnostic: expect.objectContaining({ code: 'STR614', severity: 'warn', line: 5, column: 5 }) }]);

    writeFiles(project, { 'packages.yml': `packages:\n  - git: "${repo.url}"\n    revision: ${repo.v2}\n    subdirectory: pkg\n  - git: "${whole.url}"\n    warn-unpinned: false\n` });
    const pinned = await runDeps(project);
    expect(pinned.error).toBeUndefined();
    expect(pinned.events.some((e) => e.type === 'warning')).toBe(false);
    expect(macro(project)).toBe('-- v2\n');
  });

  it('an unknown revision, a bad URL, a missing subdirectory: errors at the entry; what was installed stays', async () => {
    const repo = repoWithTwoTags();
    const project = makeProject(`packages:\n  - git: "${repo.url}"\n    revision: v1.0.0\n    subdirectory: pkg\n`);
    expect((await runDeps(project)).error).toBeUndefined();
    const cases: [string, string][] = [
      [`  - git: "${repo.url}"\n    revision: v9.9.9\n    subdirectory: pkg\n`, 'STR604'],
      [`  - git: "file:///nonexistent/strata/repo.git"\n    revision: v1.0.0\n`, 'STR603'],
      [`  - git: "${repo.url}"\n    revision: v1.0.0\n    subdirectory: nope\n`, 'STR605'],
      [`  - git: "${repo.url}"\n    revision: v1.0.0\n`, 'STR609'],
    ];
    for (const [entry, code] of cases) {
      writeFiles(project, { 'packages.yml': `packages:\n  - local: ./other\n${entry}` });
      writeFiles(path.join(project, 'other'), packageFiles('other_pkg'));
      const run = await runDeps(project, { upgrade: true });
      expect(run.error?.diagnostics[0], code).toMatchObject({ code, file: 'packages.yml', line: 3, column: 5 });
      expect(installed(project)).toEqual(['git_pkg']);
      expect(macro(project)).toBe('-- v1\n');
    }
  });

  it('the same git package required at two revisions is an error; at one revision it installs once', async () => {
    const repo = repoWithTwoTags();
    const project = makeProject(`packages:\n  - git: "${repo.url}"\n    revision: v1.0.0\n    subdirectory: pkg\n  - local: ./mid\n`);
    writeFiles(path.join(project, 'mid'), packageFiles('mid', { packagesYml: `packages:\n  - git: "${repo.url}/"\n    revision: v1.0.0\n    subdirectory: pkg\n` }));
    const run = await runDeps(project);
    expect(run.error).toBeUndefined();
    expect(run.lines.map((l) => l.split(' ')[0])).toEqual(['git_pkg', 'mid']);

    writeFiles(path.join(project, 'mid'), { 'packages.yml': `packages:\n  - git: "${repo.url}"\n    revision: v2.0.0\n    subdirectory: pkg\n` });
    // The lock covers only the root's packages.yml (as in dbt), so a package's own change needs --upgrade.
    expect((await runDeps(project)).result?.fromLock).toBe(true);
    const conflict = await runDeps(project, { upgrade: true });
    expect(conflict.error?.diagnostics[0]).toMatchObject({ code: 'STR612', file: 'mid/packages.yml', line: 2, column: 5 });
    expect(conflict.error?.message).toContain('v1.0.0 (the root project, packages.yml:2:5) and v2.0.0 (mid)');
  });
});
