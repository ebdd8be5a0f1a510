/**
 * `persist_docs: {relation: true, columns: true}`: YAML descriptions become comments on tables, views,
 * seeds and their columns, after each build (a swapped-in table has them too); `relation` and
 * `columns` act separately. Asserted with obj_description / col_description, on both engines.
 */
import { expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { strata, withAdapter, writeFiles } from '../engine/cli.js';
import { rows, tinyProject } from './tiny-project.js';

const YAML = (orderDescription: string) => `version: 2
models:
  - name: orders
    description: "${orderDescription}"
    config:
      materialized: table
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        description: "The order's id; it's unique"
      - name: amount
        description: Paid, in euros
      - name: not_in_the_query
        description: skipped
  - name: orders_view
    description: Orders as a view
    config:
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        description: Same id
  - name: relation_only
    description: Only the table gets a comment
    config:
      materialized: table
      persist_docs: {relation: true}
    columns:
      - name: id
        description: not persisted
seeds:
  - name: codes
    description: Code list
    config:
      persist_docs: {relation: true, columns: true}
    columns:
      - name: code
        description: A code
`;

/** Several CLI builds per test: PGlite on a busy machine needs more than the default minute. */
const SLOW = 240_000;

describeEachEngine('persist_docs', (engine) => {
  const commentsIn = (schema: string) =>
    withAdapter(engine.makeTarget(schema), (adapter) =>
      rows<{ relation: string; kind: string; column: string | null; comment: string }>(
        adapter,
        `select c.relname as relation, c.relkind::text as kind, null as column, obj_description(c.oid, 'pg_class') as comment
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = $1 and obj_description(c.oid, 'pg_class') is not null
         union all
         select c.relname, c.relkind::text, a.attname, col_description(c.oid, a.attnum)
         from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_attribute a on a.attrelid = c.oid and a.attnum > 0
         where n.nspname = $1 and col_description(c.oid, a.attnum) is not null
         order by 1, 3 nulls first`,
        [schema],
      ),
    );

  it('comments tables, views, seeds and their columns, and again after a rebuild', async () => {
    const schema = uniqueSchema('docs');
    const dir = tinyProject('docs', engine.makeTarget(schema), {
      'seeds/codes.csv': 'code\na\n',
      'models/orders.sql': 'select 1 as id, 9.5 as amount, 2 as undocumented\n',
      'models/orders_view.sql': "select id from {{ ref('orders') }}\n",
      'models/relation_only.sql': 'select 1 as id\n',
      'models/_models.yml': YAML('One row per order'),
    });
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);
    const expected = [
      { relation: 'codes', kind: 'r', column: null, comment: 'Code list' },
      { relation: 'codes', kind: 'r', column: 'code', comment: 'A code' },
      { relation: 'orders', kind: 'r', column: null, comment: 'One row per order' },
      { relation: 'orders', kind: 'r', column: 'amount', comment: 'Paid, in euros' },
      { relation: 'orders', kind: 'r', column: 'id', comment: "The order's id; it's unique" },
      { relation: 'orders_view', kind: 'v', column: null, comment: 'Orders as a view' },
      { relation: 'orders_view', kind: 'v', column: 'id', comment: 'Same id' },
      { relation: 'relation_only', kind: 'r', column: null, comment: 'Only the table gets a comment' },
    ];
    expect(await commentsIn(schema)).toEqual(expected);

    // The rebuilt table is a new object: it gets the (edited) descriptions in the same transaction.
    writeFiles(dir, { 'models/_models.yml': YAML('One row per paid order') });
    const again = await strata(['build', '--project-dir', dir]);
    expect(again.exitCode, again.output).toBe(0);
    expect(await commentsIn(schema)).toEqual(
      expected.map((row) => (row.relation === 'orders' && row.column === null ? { ...row, comment: 'One row per paid order' } : row)),
    );
    const tables = await withAdapter(engine.makeTarget(schema), (adapter) =>
      rows<{ n: number }>(adapter, `select count(*)::int as n from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = $1 and c.relname like '%strata%'`, [schema]),
    );
    expect(tables).toEqual([{ n: 0 }]);
  }, SLOW);
});
