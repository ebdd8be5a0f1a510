/**
 * Every rendering construct of the engine, first as compiled SQL (pure: load → parse → compile, no
 * database), then built for real on each engine and queried. Fixture: tests/fixtures/projects/shop.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { nodeId } from '../../compiler/manifest/types.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { compileNode } from '../../compiler/render/compile-node.js';
import { parseProject } from '../../compiler/render/parse-project.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { FIXTURES, projectOn, runResults, statuses, strata, withAdapter } from './cli.js';

const SHOP = path.join(FIXTURES, 'shop');
const STARTED = new Date('2024-05-06T07:08:09.000Z');

function compileShop(model: string, options: { vars?: Record<string, unknown>; env?: NodeJS.ProcessEnv; isIncremental?: boolean } = {}) {
  const project = loadProject(SHOP, { vars: options.vars, env: options.env ?? {} });
  const parsed = parseProject(project, { runStartedAt: STARTED, env: options.env ?? {} });
  return { parsed, sql: compileNode(parsed, nodeId(`model.shop.${model}`), { isIncremental: options.isIncremental }) };
}

describe('rendering (compiled SQL)', () => {
  it('renders ref, source, config, var, env_var, this, target, set, loops, whitespace control, ~, adapter.quote, return(), ephemeral CTEs', () => {
    const { sql, parsed } = compileShop('customer_list', { vars: { region: 'eu' }, env: { SHOP_COLOR: 'red' } });
    expect(sql).toBe(
      [
        'with __strata__cte__eph_vip as (',
        'select id from "public"."stg_customers" where id <> 2',
        ')',
        '',
        'select',
        '  c."id",',
        '  c."name",',
        '  (c.credit)::numeric(10,2) as credit,',
        "  'hello_embedded' as label,",
        "  'red' as color,",
        "  'eu' as region,",
        "  'public_marts_zone.customer_list' as self_name,",
        "  'public/postgres' as target_info,",
        "  '2024-05-06 07:08:09+00:00'::timestamptz as built_at",
        'from "public"."stg_customers" as c',
        'join __strata__cte__eph_vip as v on v.id = c.id',
        '',
      ].join('\n'),
    );
    const node = parsed.manifest.nodes['model.shop.customer_list'];
    // config() keyword arguments, merged with the project.yml tree (tags add up).
    expect(node.config).toMatchObject({ materialized: 'table', alias: 'customer_list', schema: 'marts', tags: ['gold', 'daily'] });
    expect(node.dependsOn.nodes.sort()).toEqual(['model.shop.eph_vip', 'model.shop.stg_customers']);
    expect(node.dependsOn.macros).toContain('to_dollars');
  });

  it('uses defaults when no var or environment variable is given', () => {
    const { sql } = compileShop('customer_list');
    expect(sql).toContain("'blue' as color,");
    expect(sql).toContain("'none' as region,");
  });

  it('lands custom schemas where the project override of generate_schema_name says; the source schema is rendered', () => {
    const { parsed } = compileShop('customer_list');
    const where = (id: string) => `${parsed.manifest.nodes[id].schema}.${parsed.manifest.nodes[id].alias}`;
    expect(where('model.shop.customer_list')).toBe('public_marts_zone.customer_list');
    expect(where('model.shop.stg_customers')).toBe('public.stg_customers');
    expect(where('seed.shop.customers')).toBe('public_raw_zone.customers');
    expect(parsed.manifest.sources['source.shop.raw.customers'].schema).toBe('public_raw_zone');
    expect(compileShop('stg_customers').sql.trim()).toBe('select id, name, city, credit from "public_raw_zone"."customers"');
  });

  it('is_incremental() is false on the first build, true afterwards', () => {
    const first = compileShop('customer_events').sql;
    const later = compileShop('customer_events', { isIncremental: true }).sql;
    expect(first).not.toContain('where id >=');
    expect(later).toContain('where id >= (select max(id) from "public_marts_zone"."customer_events")');
  });
});

describeEachEngine('rendering (built)', (engine) => {
  it('builds the project, then builds the incremental models again (append, delete+insert on unique_key)', async () => {
    const schema = uniqueSchema('render');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('shop', target);
    const marts = `${quoteIdent(`${schema}_marts_zone`)}`;
    const before = Date.now();

    const first = await strata(['build', '--project-dir', dir, '--vars', '{region: eu}'], { env: { SHOP_COLOR: 'green' } });
    expect(first.output).toMatch(/customer_list/);
    expect(first.exitCode, first.output).toBe(0);
    expect(statuses(dir)).toEqual({
      batch_log: 'success',
      customer_events: 'success',
      customer_list: 'success',
      customers: 'success',
      stg_customers: 'success',
    });

    const second = await strata(['run', '--project-dir', dir, '--select', 'customer_events batch_log', '--vars', '{batch: 2}']);
    expect(second.exitCode, second.output).toBe(0);
    expect(runResults(dir).get('customer_events')?.message).toBe('INSERT 1');

    await withAdapter(target, async (adapter) => {
      const list = await adapter.query(`select * from ${marts}.customer_list order by id`);
      expect(list.rows.map(({ built_at, ...row }) => row)).toEqual([
        { id: 1, name: 'Smith, Anna', credit: '10.50', label: 'hello_test', color: 'green', region: 'eu', self_name: `${schema}_marts_zone.customer_list`, target_info: `${schema}/postgres` },
        { id: 3, name: 'Lee, "Cy"', credit: null, label: 'hello_test', color: 'green', region: 'eu', self_name: `${schema}_marts_zone.customer_list`, target_info: `${schema}/postgres` },
      ]);
      const builtAt = new Date(list.rows[0].built_at as string | Date).getTime();
      expect(builtAt).toBeGreaterThanOrEqual(before - 1000);
      expect(builtAt).toBeLessThanOrEqual(Date.now());

      // delete+insert on unique_key: only id 3 (>= max(id)) is replaced by batch 2.
      const events = await adapter.query(`select id, batch from ${marts}.customer_events order by id`);
      expect(events.rows).toEqual([{ id: 1, batch: 1 }, { id: 2, batch: 1 }, { id: 3, batch: 2 }]);
      // No unique_key: appended.
      const log = await adapter.query(`select batch, customers from ${marts}.batch_log order by batch`);
      expect(log.rows).toEqual([{ batch: 1, customers: 3 }, { batch: 2, customers: 3 }]);

      // The ephemeral model is not a relation.
      const ephemeral = await adapter.query(`select 1 from pg_class where relname = 'eph_vip'`);
      expect(ephemeral.rows).toEqual([]);

      // The seed, loaded with COPY: quoted commas, empty = NULL, column_types override, inferred types.
      const seed = await adapter.query(`select * from ${quoteIdent(`${schema}_raw_zone`)}.customers order by id`);
      expect(seed.rows.map((r) => ({ ...r, joined_on: String(r.joined_on instanceof Date ? r.joined_on.toISOString().slice(0, 10) : r.joined_on) }))).toEqual([
        { id: 1, name: 'Smith, Anna', city: 'Paris', credit: '10.50', joined_on: '2024-01-02', is_vip: true },
        { id: 2, name: 'Bob', city: null, credit: '7.00', joined_on: '2024-02-03', is_vip: false },
        { id: 3, name: 'Lee, "Cy"', city: 'Lyon', credit: null, joined_on: '2024-03-04', is_vip: true },
      ]);
      const columns = await adapter.query(
        `select column_name, data_type, numeric_precision, numeric_scale from information_schema.columns
         where table_schema = $1 and table_name = 'customers' order by ordinal_position`,
        [`${schema}_raw_zone`],
      );
      expect(columns.rows).toEqual([
        { column_name: 'id', data_type: 'integer', numeric_precision: 32, numeric_scale: 0 },
        { column_name: 'name', data_type: 'text', numeric_precision: null, numeric_scale: null },
        { column_name: 'city', data_type: 'text', numeric_precision: null, numeric_scale: null },
        { column_name: 'credit', data_type: 'numeric', numeric_precision: 5, numeric_scale: 2 },
        { column_name: 'joined_on', data_type: 'date', numeric_precision: null, numeric_scale: null },
        { column_name: 'is_vip', data_type: 'boolean', numeric_precision: null, numeric_scale: null },
      ]);
    });

    // show and debug on the built database.
    const show = await strata(['show', '--project-dir', dir, '--select', 'customer_events', '--limit', '2']);
    expect(show.exitCode, show.output).toBe(0);
    expect(show.stdout).toContain('(2 rows)');
    expect(show.stdout).toMatch(/batch/);
    const inline = await strata(['show', '--project-dir', dir, '--inline', "select count(*) as n_vip from {{ ref('customer_list') }}"]);
    expect(inline.exitCode, inline.output).toBe(0);
    expect(inline.stdout).toMatch(/n_vip[\s\S]*\b2\b/);
    expect(inline.stdout).toContain('(1 row)');
    const debug = await strata(['debug', '--project-dir', dir]);
    expect(debug.exitCode, debug.output).toBe(0);
    expect(debug.stdout).toContain('connection: OK');
  });
});
