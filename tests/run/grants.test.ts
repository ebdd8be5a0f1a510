/**
 * `grants` on models (table, view, incremental), seeds and snapshots: applied after each build, kept
 * across the table swap, revoked when the config drops them (dbt's rules), `+grants` in project
 * config with dbt's `+select` merge, and a role that does not exist failing the model by name while
 * the previous table stays. Asserted on information_schema.role_table_grants, on both engines
 * (PGlite has roles and GRANT too).
 */
import { expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { strata, withAdapter, writeFiles } from '../engine/cli.js';
import { rows, tinyProject } from './tiny-project.js';

/** Several CLI builds per test: PGlite on a busy machine needs more than the default minute. */
const SLOW = 240_000;

describeEachEngine('grants', (engine) => {
  /** Two roles of this test's own (roles are cluster-wide on Postgres). */
  const makeRoles = async (schema: string): Promise<[string, string]> => {
    const roles: [string, string] = [`${schema}_reader`, `${schema}_bi`];
    await withAdapter(engine.makeTarget(schema), async (adapter) => {
      for (const role of roles) await adapter.query(`create role ${quoteIdent(role)}`);
    });
    return roles;
  };
  /** `table: privilege grantee, ...` for every relation of the schema, grants to the test's roles only. */
  const grantsIn = (schema: string) =>
    withAdapter(engine.makeTarget(schema), async (adapter: Adapter) => {
      const found = await rows<{ table_name: string; privilege_type: string; grantee: string }>(
        adapter,
        `select table_name, privilege_type, grantee from information_schema.role_table_grants
         where table_schema = $1 and grantee like $2 order by 1, 2, 3`,
        [schema, `${schema}\\_%`],
      );
      const byTable: Record<string, string[]> = {};
      for (const row of found) (byTable[row.table_name] ??= []).push(`${row.privilege_type.toLowerCase()} ${row.grantee.slice(schema.length + 1)}`);
      return byTable;
    });

  it('applies grants to tables, views, incremental models, seeds and snapshots, and keeps them across rebuilds', async () => {
    const schema = uniqueSchema('gr');
    const [reader, bi] = await makeRoles(schema);
    const dir = tinyProject(
      'gr',
      engine.makeTarget(schema),
      {
        'seeds/codes.csv': 'code,label\na,Alpha\nb,Beta\n',
        'models/orders.sql': "{{ config(materialized='table') }}\nselect code, 1 as n from {{ ref('codes') }}\n",
        'models/orders_view.sql': "{{ config(materialized='view', grants={'+select': ['" + bi + "']}) }}\nselect * from {{ ref('orders') }}\n",
        'models/events.sql': "{{ config(materialized='incremental') }}\nselect code from {{ ref('codes') }}\n",
        'snapshots/codes_history.sql': `{% snapshot codes_history %}
{{ config(unique_key='code', strategy='check', check_cols='all') }}
select * from {{ ref('codes') }}
{% endsnapshot %}
`,
      },
      // Every model reads as `reader` (project config); the view adds `bi` with dbt's `+select`.
      `models:\n  gr:\n    +grants:\n      select: ['${reader}']\nseeds:\n  gr:\n    +grants: {select: ['${reader}', '${bi}']}\nsnapshots:\n  gr:\n    +grants: {select: ['${bi}']}\n`,
    );
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);
    const expected = {
      codes: ['select bi', 'select reader'],
      codes_history: ['select bi'],
      events: ['select reader'],
      orders: ['select reader'],
      orders_view: ['select bi', 'select reader'],
    };
    expect(await grantsIn(schema)).toEqual(expected);
    expect(first.output).not.toMatch(/STR19[01]/);

    // A second build swaps in new tables and views (and updates the incremental one in place): same grants.
    const again = await strata(['build', '--project-dir', dir]);
    expect(again.exitCode, again.output).toBe(0);
    expect(await grantsIn(schema)).toEqual(expected);
  }, SLOW);

  it('revokes what the config no longer lists, on swapped and in-place relations alike', async () => {
    const schema = uniqueSchema('gr_rev');
    const [reader, bi] = await makeRoles(schema);
    const grants = (roles: string[]) => `grants: {select: [${roles.map((r) => `'${r}'`).join(', ')}]}`;
    const files = (roles: string[]) => ({
      'models/orders.sql': `{{ config(materialized='table') }}\nselect 1 as id\n`,
      'models/events.sql': `{{ config(materialized='incremental') }}\nselect 1 as id\n`,
      'models/_models.yml': `version: 2\nmodels:\n  - name: orders\n    config: {${grants(roles)}}\n  - name: events\n    config: {${grants(roles)}}\n`,
    });
    const dir = tinyProject('gr', engine.makeTarget(schema), files([reader, bi]));
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);
    expect(await grantsIn(schema)).toEqual({ events: ['select bi', 'select reader'], orders: ['select bi', 'select reader'] });

    // A grant made by hand on the incremental table: dbt revokes what the config does not list.
    await withAdapter(engine.makeTarget(schema), (adapter) => adapter.query(`grant insert on ${quoteIdent(schema)}.events to ${quoteIdent(bi)}`));
    writeFiles(dir, files([reader]));
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(await grantsIn(schema)).toEqual({ events: ['select reader'], orders: ['select reader'] });

    // An empty list revokes the privilege from everyone it was granted to.
    writeFiles(dir, files([]));
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);
    expect(await grantsIn(schema)).toEqual({});
  }, SLOW);

  it('a role that does not exist fails the model by name and leaves the previous table as it was', async () => {
    const schema = uniqueSchema('gr_bad');
    const [reader] = await makeRoles(schema);
    const model = (role: string) => `{{ config(materialized='table', grants={'select': ['${role}']}) }}\nselect {{ var('n', 1) }} as n\n`;
    const dir = tinyProject('gr', engine.makeTarget(schema), { 'models/orders.sql': model(reader) });
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);

    writeFiles(dir, { 'models/orders.sql': model(`${schema}_nobody`) });
    const result = await strata(['build', '--project-dir', dir, '--vars', '{n: 2}']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toContain(`model 'orders': its grants failed on ${schema}.orders: 42704 role "${schema}_nobody" does not exist`);
    expect(result.output).toMatch(/STR434/);
    expect(result.output).toContain('create the role first');
    const kept = await withAdapter(engine.makeTarget(schema), (adapter) => rows<{ n: number }>(adapter, `select n from ${quoteIdent(schema)}.orders`));
    expect(kept).toEqual([{ n: 1 }]);
    expect(await grantsIn(schema)).toEqual({ orders: ['select reader'] });
  }, SLOW);
});
