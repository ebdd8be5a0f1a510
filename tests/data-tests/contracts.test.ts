/**
 * Model contracts through the CLI: a matching query builds a table with the declared types and
 * constraints; a mismatch (names or types) fails the model with a table of expected and actual columns
 * and leaves the existing table as it was.
 */
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, statuses, strata, withAdapter, writeFiles } from '../engine/cli.js';

const CONTRACT_YAML = `version: 2
models:
  - name: customer_totals
    config:
      contract: {enforced: true}
    columns:
      - name: customer_id
        data_type: int
        constraints:
          - type: not_null
          - type: primary_key
      - name: name
        data_type: text
        constraints:
          - type: unique
      - name: orders
        data_type: int4
      - name: revenue
        data_type: DECIMAL(10, 2)
        constraints:
          - type: check
            expression: "revenue >= 0"
`;

describeEachEngine('model contracts', (engine) => {
  it('a matching query builds the table from the declared columns, constraints included', async () => {
    const schema = uniqueSchema('ct_ok');
    const target = engine.makeTarget(schema);
    const dir = projectOn('quality', target, { 'models/_models.yml': CONTRACT_YAML });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);

    const catalog = await withAdapter(target, async (adapter) => {
      const columns = await adapter.query<{ name: string; type: string; notnull: boolean }>(
        `select attname as name, format_type(atttypid, atttypmod) as type, attnotnull as notnull
         from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
        [`${quoteIdent(schema)}.customer_totals`],
      );
      const constraints = await adapter.query<{ name: string; type: string }>(
        `select conname as name, contype as type from pg_constraint where conrelid = $1::regclass order by conname`,
        [`${quoteIdent(schema)}.customer_totals`],
      );
      const rows = await adapter.query<{ n: number | string }>(`select count(*) as n from ${quoteIdent(schema)}.customer_totals`);
      return { columns: columns.rows, constraints: constraints.rows, rows: Number(rows.rows[0]!.n) };
    });
    expect(catalog.columns).toEqual([
      { name: 'customer_id', type: 'integer', notnull: true },
      { name: 'name', type: 'text', notnull: false },
      { name: 'orders', type: 'integer', notnull: false },
      { name: 'revenue', type: 'numeric(10,2)', notnull: false },
    ]);
    // PostgreSQL 18 (PGlite) also lists NOT NULL as constraints ('n'); 15 does not.
    expect(catalog.constraints.map((c) => c.type).filter((t) => t !== 'n').sort()).toEqual(['c', 'p', 'u']);
    expect(catalog.constraints.map((c) => c.name)).toContain('customer_totals_pkey');
    expect(catalog.rows).toBe(3);

    // A second build swaps in a new table: constraint names are free again and taken back.
    const again = await strata(['build', '--project-dir', dir, '--select', 'customer_totals']);
    expect(again.exitCode, again.output).toBe(0);
  });

  it('a mismatch in names and types fails with expected vs actual and leaves the table untouched', async () => {
    const schema = uniqueSchema('ct_bad');
    const target = engine.makeTarget(schema);
    const dir = projectOn('quality', target, { 'models/_models.yml': CONTRACT_YAML });
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);

    writeFiles(dir, {
      // customer_id becomes text, revenue loses its scale, name is gone, an extra column appears.
      'models/customer_totals.sql': [
        'select',
        '    c.id::text                    as customer_id,',
        '    count(o.id)::integer          as orders,',
        '    sum(o.amount)::numeric(8,3)   as revenue,',
        '    1                             as surprise',
        "from {{ ref('stg_customers') }} as c",
        "left join {{ ref('orders') }} as o on o.customer_id = c.id",
        'group by c.id',
        '',
      ].join('\n'),
    });
    const result = await strata(['build', '--project-dir', dir, '--select', 'customer_totals+']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toContain("the query of model 'customer_totals' does not match its contract (4 problems); nothing was built.");
    const table = result.output.split('\n').filter((line) => /^\s+\S+\s+\|/.test(line) || /^\s+-+\+/.test(line));
    expect(table.slice(0, 7).map((line) => line.trim().replace(/\s*\|\s*/g, '|'))).toEqual([
      'column|expected|actual|problem',
      expect.stringMatching(/^-+\+/),
      'customer_id|int|text|type differs',
      'name|text|-|missing from the query',
      'orders|int4|integer|',
      'revenue|DECIMAL(10, 2)|numeric(8,3)|type differs',
      'surprise|-|integer|not in the contract',
    ]);
    expect(result.output).toMatch(/models\/_models\.yml\s+error\s+STR431/);
    expect(statuses(dir)).toMatchObject({ customer_totals: 'error', report: 'skipped' });

    const rows = await withAdapter(target, (adapter) =>
      adapter.query<{ customer_id: number; name: string }>(`select customer_id, name from ${quoteIdent(schema)}.customer_totals order by 1`),
    );
    expect(rows.rows).toEqual([
      { customer_id: 1, name: 'Ann' },
      { customer_id: 2, name: 'Bob' },
      { customer_id: 3, name: 'Cid' },
    ]);
  });

  it('a row that breaks a declared constraint fails the build and keeps the previous table', async () => {
    const schema = uniqueSchema('ct_check');
    const target = engine.makeTarget(schema);
    const dir = projectOn('quality', target, { 'models/_models.yml': CONTRACT_YAML });
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);
    writeFiles(dir, { 'seeds/orders.csv': 'id,customer_id,amount\n1,1,-10.00\n' });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(/check constraint/);
    const revenue = await withAdapter(target, (adapter) =>
      adapter.query<{ revenue: string | number }>(`select sum(revenue) as revenue from ${quoteIdent(schema)}.customer_totals`),
    );
    expect(Number(revenue.rows[0]!.revenue)).toBe(35.5);
  });
});
