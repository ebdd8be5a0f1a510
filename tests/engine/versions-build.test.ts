/**
 * The governance fixture built on each engine: each version of a versioned model in its own relation
 * (`dim_customers_v1` a view, `dim_customers_v2` a table, v3 under its alias), refs reading the latest or
 * the pinned version, a relationships test to the latest version, the model's tests run on every
 * version, and the analysis compiled but never built.
 */
import { beforeAll, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, statuses, strata, withAdapter } from './cli.js';

describeEachEngine('model versions, built', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let dir: string;
  let build: Awaited<ReturnType<typeof strata>>;
  const query = <T>(text: string) => withAdapter(target, (adapter) => adapter.query<T & Record<string, unknown>>(text));

  beforeAll(async () => {
    schema = uniqueSchema('versions');
    target = engine.makeIsolatedTarget(schema);
    dir = projectOn('governance', target);
    const s = quoteIdent(schema);
    await withAdapter(target, (adapter) =>
      adapter.withConnection((connection) =>
        connection.exec(
          `create schema ${s};` +
            `create table ${s}.orders (id int, customer_id int, amount numeric, loaded_at timestamp);` +
            `insert into ${s}.orders values (1, 1, 10, now()), (2, 2, 5, now()), (3, 1, 1, now());` +
            `create table ${s}.customers (id int, name text, country text, loaded_at timestamptz);` +
            `insert into ${s}.customers values (1, 'ada', 'fr', now()), (2, 'bo', 'se', now());` +
            `create table ${s}.events (id int, kind text, occurred_at text); create table ${s}.countries (code text);`,
        ),
      ),
    );
    build = await strata(['build', '--project-dir', dir]);
  }, 180_000);

  it('builds every version into its own relation, of its own materialization', async () => {
    expect(build.exitCode, build.output).toBe(0);
    const relations = await query<{ table_name: string; table_type: string }>(
      `select table_name, table_type from information_schema.tables where table_schema = '${schema}' and table_name like 'dim_customers%' order by 1`,
    );
    expect(relations.rows.map((r) => [r.table_name, r.table_type])).toEqual([
      ['dim_customers_next', 'VIEW'],
      ['dim_customers_v1', 'VIEW'],
      ['dim_customers_v2', 'BASE TABLE'],
    ]);
    // No relation for the analysis, nor an unsuffixed one for the latest version (as dbt 1.x).
    const others = await query<{ n: number }>(`select count(*)::int as n from information_schema.tables where table_schema = '${schema}' and table_name in ('revenue_by_country', 'dim_customers')`);
    expect(others.rows[0]!.n).toBe(0);
  });

  it('reads the latest version through ref(m) and the pinned one through ref(m, version=1)', async () => {
    const revenue = await query<{ customer_id: number; country: string; revenue: string }>(`select customer_id, country, revenue::text as revenue from ${quoteIdent(schema)}.revenue order by 1`);
    expect(revenue.rows).toEqual([
      { customer_id: 1, country: 'fr', revenue: '11' },
      { customer_id: 2, country: 'se', revenue: '5' },
    ]);
    const names = await query<{ name: string }>(`select name from ${quoteIdent(schema)}.customer_names order by 1`);
    expect(names.rows.map((r) => r.name)).toEqual(['ada', 'bo']);
  });

  it("runs the model's tests on every version, and the relationships test against the latest", () => {
    const results = statuses(dir);
    expect(results).toMatchObject({
      'not_null_dim_customers_v1_customer_id': 'pass',
      'not_null_dim_customers_v2_customer_id': 'pass',
      'not_null_dim_customers_v3_customer_id': 'pass',
      'dim_customers.v1': 'success',
      'dim_customers.v2': 'success',
      'dim_customers.v3': 'success',
    });
    // relationships_revenue_customer_id__customer_id__ref_dim_customers_, shortened with a hash as dbt does.
    expect(Object.entries(results).filter(([name]) => name.startsWith('relationships_revenue_'))).toEqual([[expect.any(String), 'pass']]);
    expect(Object.keys(results)).not.toContain('revenue_by_country');
  });
});
