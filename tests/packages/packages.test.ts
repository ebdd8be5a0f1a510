/**
 * A project with an installed package (tests/fixtures/projects/packages): `ref('pkg', 'm')`, the root
 * project's config for the package's models, a root macro shadowing the package's, `dispatch:` search
 * order, package vars scoped from the root, and a package's generic test used in the root's YAML.
 */
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, statuses, strata, withAdapter } from '../engine/cli.js';

describeEachEngine('packages', (engine) => {
  it('builds the root project with its package: refs, config, shadowing, dispatch, vars, generic tests', async () => {
    const schema = uniqueSchema('pkgs');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('packages', target);

    const deps = await strata(['deps', '--project-dir', dir]);
    expect(deps.exitCode, deps.output).toBe(0);

    const ls = await strata(['ls', '--project-dir', dir]);
    expect(ls.exitCode, ls.output).toBe(0);
    expect(ls.stdout).toContain('helpers.helper_numbers');

    const build = await strata(['build', '--project-dir', dir]);
    expect(build.exitCode, build.output).toBe(0);
    expect(statuses(dir)).toMatchObject({
      helper_numbers: 'success',
      uses_pkg: 'success',
      helpers_is_positive_uses_pkg_id: 'pass',
      not_null_uses_pkg_id: 'pass',
    });

    await withAdapter(target, async (adapter) => {
      // The root's `models: {helpers: {+materialized: table, +schema: pkg}}` wins over the package's view.
      const kind = await adapter.query<{ relkind: string }>(
        `select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname = 'helper_numbers'`,
        [`${schema}_pkg`],
      );
      expect(kind.rows).toEqual([{ relkind: 'r' }]);
      const rows = await adapter.query(`select * from ${quoteIdent(schema)}.uses_pkg order by id`);
      expect(rows.rows[0]).toEqual({
        id: 1,
        // `vars: {helpers: {helper_label: ...}}` in the root wins over the package's own var.
        label: 'from-root',
        // Unqualified: the root's macro shadows the package's; qualified: the package's own.
        greeting: 'from root',
        pkg_greeting: 'from package',
        // dispatch search_order [app, helpers]: the root's default__shout first; whisper only in the package.
        shouted: 'root:hi',
        whispered: 'hi',
      });
    });
  });

  it('a ref to a package that is not installed is exit code 2 with the file and a hint', async () => {
    const schema = uniqueSchema('pkgmiss');
    const target = engine.makeTarget(schema);
    const dir = projectOn('packages', target, {
      'models/uses_pkg.sql': "select * from {{ ref('helpers', 'helper_numbers') }}\n",
      'models/schema.yml': 'version: 2\n',
      // Declared and not installed is its own error (STR173): here the package is not declared at all.
      'packages.yml': 'packages: []\n',
    });
    const ls = await strata(['ls', '--project-dir', dir]);
    expect(ls.exitCode).toBe(2);
    expect(ls.output).toMatch(/models\/uses_pkg\.sql:\d+:\d+\s+error STR206\s+ref to unknown package 'helpers'.*strata deps/);
  });
});
