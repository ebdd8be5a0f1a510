/**
 * Exposures and dashboard files, through the CLI on a small project (no database: `compile` and `ls`):
 * manifest.json's exposures and graph maps valid against manifest v12, the `exposure:` selector
 * method, and each kind of bad input reported at its file:line:col.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { strata } from '../support/strata-cli.js';
import { tempDir } from '../pagila/pagila-project.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';
import { readDashboards } from './site-files.js';

type Json = Record<string, any>;

const PROJECT = `name: shop
target: dev
targets:
  dev: {type: pglite, schema: shop}
`;

const SCHEMA = `version: 2
sources:
  - name: raw
    tables:
      - name: orders
models:
  - name: orders
    description: One row per order.
exposures:
  - name: weekly_revenue
    label: Weekly revenue
    type: notebook
    owner: {name: Finance, email: finance@example.com}
    maturity: medium
    url: https://notebooks.example.com/weekly
    description: The finance team's weekly notebook.
    tags: [finance]
    depends_on:
      - ref('revenue')
      - source('raw', 'orders')
`;

const DASHBOARD = `title: Sales
owner: {name: Sales}
filters:
  - {name: status, column: status}
queries:
  by_status: |
    select status, count(*) as orders
    from {{ ref('orders') }}
    group by 1
tiles:
  - {type: kpi, title: Orders, query: by_status, value: orders}
  - {type: bar, query: by_status, x: status, y: orders}
`;

let dir: string | undefined;

afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A project with two models, a source, a YAML exposure and a dashboard; `edit` changes files first. */
function project(edit: Record<string, string> = {}): string {
  dir = tempDir('exposures');
  const files: Record<string, string> = {
    'project.yml': PROJECT,
    'models/orders.sql': "select 1 as order_id, 'paid' as status from {{ source('raw', 'orders') }}\n",
    'models/revenue.sql': "select count(*) as orders from {{ ref('orders') }}\n",
    'models/schema.yml': SCHEMA,
    'dashboards/sales.yml': DASHBOARD,
    ...edit,
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('exposures', () => {
  it('writes exposures of YAML and dashboards into manifest.json, valid against manifest v12', async () => {
    const root = project();
    const result = await strata(['compile', '--project-dir', root]);
    expect(result.exitCode, result.output).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'target', 'manifest.json'), 'utf8')) as Json;
    expect(schemaErrors('manifest/v12', manifest)).toEqual([]);
    expect(Object.keys(manifest.exposures).sort()).toEqual(['exposure.shop.sales', 'exposure.shop.weekly_revenue']);
    expect(manifest.exposures['exposure.shop.weekly_revenue']).toMatchObject({
      type: 'notebook',
      label: 'Weekly revenue',
      owner: { name: 'Finance', email: 'finance@example.com' },
      maturity: 'medium',
      url: 'https://notebooks.example.com/weekly',
      original_file_path: 'models/schema.yml',
      fqn: ['shop', 'weekly_revenue'],
      tags: ['finance'],
      depends_on: { nodes: ['model.shop.revenue', 'source.shop.raw.orders'] },
      refs: [{ name: 'revenue', package: null, version: null }],
      sources: [['raw', 'orders']],
    });
    expect(manifest.exposures['exposure.shop.sales']).toMatchObject({ type: 'dashboard', label: 'Sales', original_file_path: 'dashboards/sales.yml', depends_on: { nodes: ['model.shop.orders'] } });
    expect(manifest.parent_map['exposure.shop.sales']).toEqual(['model.shop.orders']);
    expect(manifest.child_map['model.shop.orders']).toContain('exposure.shop.sales');
    expect(manifest.child_map['exposure.shop.sales']).toEqual([]);
  });

  it('selects what an exposure reads with +exposure:name, and lists the exposure last', async () => {
    const root = project();
    const list = await strata(['ls', '--select', '+exposure:weekly_revenue', '--project-dir', root]);
    expect(list.exitCode, list.output).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual(['shop.orders', 'shop.revenue', 'exposure:shop.weekly_revenue']);
    const downstream = await strata(['ls', '--select', 'orders+', '--output', 'name', '--project-dir', root]);
    expect(downstream.stdout.trim().split('\n')).toEqual(['orders', 'revenue', 'sales', 'weekly_revenue']);
    const onlyExposures = await strata(['ls', '--select', 'resource_type:exposure', '--output', 'path', '--project-dir', root]);
    expect(onlyExposures.stdout.trim().split('\n')).toEqual(['dashboards/sales.yml', 'models/schema.yml']);
  });

  it("reads an installed package's exposures, resolved in that package", async () => {
    const root = project({
      'dbt_packages/extras/dbt_project.yml': "name: extras\nversion: '1.0'\nconfig-version: 2\n",
      'dbt_packages/extras/models/extra.sql': "select * from {{ ref('orders') }}\n",
      'dbt_packages/extras/models/schema.yml': "version: 2\nexposures:\n  - name: extras_report\n    type: analysis\n    owner: {name: Extras}\n    depends_on: [\"ref('extra')\"]\n",
    });
    const result = await strata(['compile', '--project-dir', root]);
    expect(result.exitCode, result.output).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'target', 'manifest.json'), 'utf8')) as Json;
    expect(schemaErrors('manifest/v12', manifest)).toEqual([]);
    expect(manifest.exposures['exposure.extras.extras_report']).toMatchObject({ package_name: 'extras', fqn: ['extras', 'extras_report'], depends_on: { nodes: ['model.extras.extra'] } });
  });

  it('docs generate reports a tile naming a column its query lacks and a failing query at their lines, and still writes the site', async () => {
    const root = project({
      'dashboards/sales.yml': `title: Sales
queries:
  by_status: |
    select 'paid' as status, 3 as orders
  broken: |
    select * from no_such_table
tiles:
  - {type: kpi, title: Orders, query: by_status, value: order_count}
  - {type: table, query: broken}
`,
      'dashboards/stock.yml': "queries:\n  q: select 'a' as item, 2 as units\ntiles:\n  - {type: bar, query: q, x: item, y: units}\n",
      // Reads models nobody built: not run, a warning says what to build.
      'dashboards/unbuilt.yml': "queries:\n  q: select count(*) as n from {{ ref('revenue') }}\ntiles:\n  - {type: kpi, query: q, value: n}\n",
    });
    const result = await strata(['docs', 'generate', '--project-dir', root], { timeoutMs: 120_000 });
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/dashboards\/sales\.yml:8:5 +error +STR192 +tile 1 \('Orders'\) names column 'order_count', which query 'by_status' does not return/);
    expect(result.output).toContain('its columns: status, orders');
    expect(result.output).toMatch(/dashboards\/sales\.yml:5:11 +error +STR193 +dashboard query 'broken' failed: relation "no_such_table" does not exist/);
    const dashboards = readDashboards(path.join(root, 'target'));
    expect(result.output).toMatch(/dashboards\/unbuilt\.yml:1:1 +warn(ing)? +STR194 +dashboard 'unbuilt' reads relations that do not exist yet: shop\.revenue;/);
    expect(result.output).toContain('strata build --select +exposure:unbuilt');
    expect(result.output).not.toMatch(/STR19[23].*unbuilt/);
    expect(dashboards.map((d) => d.name)).toEqual(['sales', 'stock', 'unbuilt']);
    expect(dashboards[2]).toMatchObject({ ran: false, notBuilt: ['shop.revenue'] });
    expect(dashboards[1]!.queries[0]).toMatchObject({ columns: [{ name: 'item', numeric: false }, { name: 'units', numeric: true }], rows: [['a', 2]] });
    expect(dashboards[0]!.queries[1]!.error).toContain('no_such_table');
  }, 180_000);

  it.each([
    ['an unknown ref in an exposure', { 'models/schema.yml': SCHEMA.replace("ref('revenue')", "ref('revenu')") }, 'models/schema.yml:19:9', 'STR205', "unknown ref 'revenu'", "did you mean 'revenue'?"],
    ['an unknown source in an exposure', { 'models/schema.yml': SCHEMA.replace("source('raw', 'orders')", "source('raw', 'order')") }, 'models/schema.yml:20:9', 'STR207', "unknown source 'raw.order'", "did you mean 'raw.orders'?"],
    ['a depends_on entry that is no ref', { 'models/schema.yml': SCHEMA.replace("ref('revenue')", 'revenue') }, 'models/schema.yml:19:9', 'STR190', "depends_on entry 'revenue' is neither", "ref('model_name')"],
    ['an unknown exposure type', { 'models/schema.yml': SCHEMA.replace('type: notebook', 'type: report') }, 'models/schema.yml:12:11', 'STR102', "'exposures.0.type'", ''],
    ['an unknown ref in a dashboard query', { 'dashboards/sales.yml': DASHBOARD.replace("ref('orders')", "ref('order')") }, 'dashboards/sales.yml:8:10', 'STR205', "unknown ref 'order'", "did you mean 'orders'?"],
    ['an unknown tile type', { 'dashboards/sales.yml': DASHBOARD.replace('type: bar', 'type: pie') }, 'dashboards/sales.yml:12:12', 'STR191', "'tiles.1.type'", ''],
    ['a tile reading no query of the dashboard', { 'dashboards/sales.yml': DASHBOARD.replace('query: by_status, x:', 'query: by_state, x:') }, 'dashboards/sales.yml:12:24', 'STR191', "reads query 'by_state'", 'by_status'],
    ['a bar tile without y', { 'dashboards/sales.yml': DASHBOARD.replace(', y: orders}', '}') }, 'dashboards/sales.yml:12:5', 'STR191', "a bar tile needs 'y'", 'e.g.'],
    ['broken YAML in a dashboard', { 'dashboards/sales.yml': DASHBOARD.replace('tiles:', 'tiles: [') }, 'dashboards/sales.yml:', 'STR101', 'invalid YAML', ''],
    ['a template error in a dashboard query', { 'dashboards/sales.yml': DASHBOARD.replace('group by 1', 'group by {{ 1 +  }}') }, 'dashboards/sales.yml:', 'STR20', '', ''],
  ])('reports %s at its place', async (_what, edit, place, code, message, hint) => {
    const root = project(edit);
    const result = await strata(['compile', '--project-dir', root]);
    expect(result.exitCode, result.output).toBe(2);
    const line = result.output.split('\n').find((l) => l.includes(place) && l.includes(code));
    expect(line, result.output).toBeDefined();
    expect(line).toContain(message);
    if (hint) expect(result.output).toContain(hint);
  });
});
