/**
 * `strata deps` then `strata build`, as users run them (child processes), on a project with one package
 * of each source (tests/fixtures/projects/deps_build): a local package, a git package (a bare repository
 * made here, a tag revision) and a hub package (a node:http hub started here). Each brings a model the
 * root refs with ref('pkg', 'm'), a macro called as pkg.macro() and a generic test used in YAML. Then the
 * lock: a re-install after deleting dbt_packages/ takes the locked revisions although the tag moved and
 * the hub published a newer version; `--upgrade` takes the newer ones.
 *
 * Runs dist/: `npx tsc -p tsconfig.build.json` first (npm test does it in pretest).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, statuses, strata, withAdapter } from '../engine/cli.js';
import { git, installed, makeGitRepo, startHub } from './deps-fixtures.js';

/** git_pkg at one release: `release` is what its model selects, its macro says `git-<release>`. */
function gitPackage(release: string): Record<string, string> {
  return {
    'dbt_project.yml': "name: 'git_pkg'\nversion: '1.0.0'\nconfig-version: 2\n",
    'models/git_release.sql': `select '${release}'::text as release\n`,
    'macros/git_pkg.sql': `{% macro release_label() %}git-${release}{% endmacro %}\n`,
    'macros/not_blank.sql': "{% test not_blank(model, column_name) %}\nselect * from {{ model }} where coalesce(trim({{ column_name }}), '') = ''\n{% endtest %}\n",
  };
}

/** hub_pkg at `version`, as the hub's tarball holds it. */
function hubPackage(version: string): Record<string, string> {
  return {
    'dbt_project.yml': `name: 'hub_pkg'\nversion: '${version}'\nconfig-version: 2\n`,
    'models/hub_version.sql': `select '${version}'::text as version\n`,
    'macros/hub_pkg.sql': `{% macro version_label() %}hub-${version}{% endmacro %}\n`,
    'tests/generic/at_most.sql': '{% test at_most(model, column_name, maximum) %}\nselect * from {{ model }} where {{ column_name }} > {{ maximum }}\n{% endtest %}\n',
  };
}

interface Lock {
  packages: { name: string; local?: string; git?: string; revision?: string; package?: string; version?: string }[];
  sha1_hash: string;
}

describeEachEngine('deps then build', (engine) => {
  it('installs a local, a git and a hub package, locks them, builds; the lock wins over newer sources until --upgrade', async () => {
    const repo = makeGitRepo();
    const v1 = repo.commit(gitPackage('v1'), 'v1.0.0');
    const hub = await startHub();
    try {
      hub.publish('acme/hub_pkg', '1.0.0', { files: hubPackage('1.0.0') });
      const env = { DBT_PACKAGE_HUB_URL: hub.url };
      const schema = uniqueSchema('depsbuild');
      const target = engine.makeIsolatedTarget(schema);
      const dir = projectOn('deps_build', target, {
        'packages.yml': [
          'packages:',
          '  - local: local_packages/local_pkg',
          `  - git: "${repo.url}"`,
          '    revision: v1.0.0',
          '  - package: acme/hub_pkg',
          '    version: [">=1.0.0", "<2.0.0"]',
          '',
        ].join('\n'),
      });
      const lock = () => parse(readFileSync(path.join(dir, 'package-lock.yml'), 'utf8')) as Lock;
      const combined = () =>
        withAdapter(target, async (adapter) => (await adapter.query(`select * from ${quoteIdent(schema)}.combined order by n`)).rows);
      const build = async () => {
        const result = await strata(['build', '--project-dir', dir], { env });
        expect(result.exitCode, result.output).toBe(0);
        return result;
      };

      // 1. deps installs the three packages and locks what each resolved to.
      const deps = await strata(['deps', '--project-dir', dir], { env });
      expect(deps.exitCode, deps.output).toBe(0);
      expect(deps.stdout).toContain('Installed local_pkg (local, symlink)');
      expect(deps.stdout).toContain('Installed hub_pkg 1.0.0 (hub)');
      expect(deps.stdout).toMatch(/Installed git_pkg .*\(git\)/);
      expect(installed(dir)).toEqual(['git_pkg', 'hub_pkg', 'local_pkg']);
      const locked = lock();
      expect(locked.packages).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'local_pkg', local: 'local_packages/local_pkg' }),
          expect.objectContaining({ name: 'git_pkg', git: repo.url, revision: v1 }),
          expect.objectContaining({ name: 'hub_pkg', package: 'acme/hub_pkg', version: '1.0.0' }),
        ]),
      );
      expect(locked.packages).toHaveLength(3);

      // 2. build: the packages' models, the root model using their refs and macros, their generic tests.
      await build();
      const results = statuses(dir);
      expect(results).toMatchObject({ local_numbers: 'success', git_release: 'success', hub_version: 'success', combined: 'success' });
      const tests = Object.entries(results).filter(([name]) => /positive|not_blank|at_most/.test(name));
      expect(tests.map(([, status]) => status)).toEqual(['pass', 'pass', 'pass']);
      const first = { git_release: 'v1', git_macro: 'git-v1', hub_version: '1.0.0', hub_macro: 'hub-1.0.0' };
      expect(await combined()).toEqual([1, 2, 3].map((n) => ({ n, doubled: n * 2, ...first })));

      // 3. Newer sources: the tag v1.0.0 moves to a new commit, the hub publishes 1.1.0 (inside the range).
      const moved = repo.commit(gitPackage('v1-moved'));
      git(repo.url.replace('file://', ''), 'tag', '-f', 'v1.0.0', moved);
      hub.publish('acme/hub_pkg', '1.1.0', { files: hubPackage('1.1.0') });

      // 4. A fresh install from the lock takes exactly the locked revisions.
      rmSync(path.join(dir, 'dbt_packages'), { recursive: true, force: true });
      const again = await strata(['deps', '--project-dir', dir], { env });
      expect(again.exitCode, again.output).toBe(0);
      expect(again.stdout).toContain('Installed hub_pkg 1.0.0 (hub)');
      expect(again.stdout).toContain('package-lock.yml');
      expect(lock()).toEqual(locked);
      await build();
      expect(await combined()).toEqual([1, 2, 3].map((n) => ({ n, doubled: n * 2, ...first })));

      // 5. --upgrade resolves again: the tag's new commit, the hub's newest version in range.
      const upgraded = await strata(['deps', '--upgrade', '--project-dir', dir], { env });
      expect(upgraded.exitCode, upgraded.output).toBe(0);
      expect(upgraded.stdout).toContain('Installed hub_pkg 1.1.0 (hub)');
      expect(lock().packages).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'git_pkg', revision: moved }),
          expect.objectContaining({ name: 'hub_pkg', version: '1.1.0' }),
        ]),
      );
      await build();
      const second = { git_release: 'v1-moved', git_macro: 'git-v1-moved', hub_version: '1.1.0', hub_macro: 'hub-1.1.0' };
      expect(await combined()).toEqual([1, 2, 3].map((n) => ({ n, doubled: n * 2, ...second })));
    } finally {
      await hub.close();
    }
  });
});
