/**
 * dbt's governance features on the fixture project tests/fixtures/projects/governance, parsed without a
 * database: model versions (ids, relation names, pinned and latest refs, version columns and tests),
 * groups and access, docs blocks in descriptions, analyses, and sources' freshness settings. The
 * problems each feature reports are checked at their file:line:col; manifest.json from `strata parse`
 * is valid against dbt's manifest v12.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { compileNode } from '../../compiler/render/compile-node.js';
import { parseProject, type ParsedProject } from '../../compiler/render/parse-project.js';
import type { NodeId } from '../../compiler/manifest/types.js';
import { roleOf } from '../../compiler/watch/change-set.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';
import { copyFixture, strata, writeFiles } from './cli.js';

const env = {};

function parse(files: Record<string, string> = {}, remove: string[] = []): ParsedProject {
  const dir = copyFixture('governance');
  writeFiles(dir, files);
  for (const file of remove) fs.rmSync(path.join(dir, file));
  return parseProject(loadProject(dir, { env }), { env });
}

/** The problems a broken project reports, as `file:line:col CODE message`. */
function problems(files: Record<string, string>, remove: string[] = []): string[] {
  try {
    parse(files, remove);
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    return error.diagnostics.map((d) => `${d.file}:${d.line ?? '?'}:${d.column ?? '?'} ${d.code} ${d.message}`);
  }
  throw new Error('the project parsed without a problem');
}

const id = (value: string) => value as NodeId;

describe('model versions', () => {
  const parsed = parse();
  const nodes = parsed.manifest.nodes;

  it('makes one node per version, named as dbt names them', () => {
    const versions = Object.values(nodes).filter((n) => n.name === 'dim_customers');
    expect(versions.map((n) => [n.id, n.alias, n.version, n.latestVersion, n.fqn.join('.')])).toEqual([
      ['model.gov.dim_customers.v1', 'dim_customers_v1', 1, 2, 'gov.marts.dim_customers.v1'],
      ['model.gov.dim_customers.v2', 'dim_customers_v2', 2, 2, 'gov.marts.dim_customers.v2'],
      // An alias set in the version's config wins over the _v3 name.
      ['model.gov.dim_customers.v3', 'dim_customers_next', 3, 2, 'gov.marts.dim_customers.v3'],
    ]);
  });

  it('gives each version its own config, description and columns (include / exclude)', () => {
    expect(nodes['model.gov.dim_customers.v2']!.config.materialized).toBe('table');
    expect(nodes['model.gov.dim_customers.v1']!.config).toMatchObject({ materialized: 'view', group: 'marketing', access: 'public' });
    expect(nodes['model.gov.dim_customers.v2']!.description).toBe('Customers with their country.');
    expect(nodes['model.gov.dim_customers.v1']!.description).toBe('Customers.');
    expect(Object.keys(nodes['model.gov.dim_customers.v1']!.columns)).toEqual(['customer_id', 'name']);
    expect(Object.keys(nodes['model.gov.dim_customers.v2']!.columns)).toEqual(['customer_id', 'name', 'country']);
  });

  it("applies the model's tests to every version", () => {
    const tests = Object.values(nodes).filter((n) => n.test?.attachedNode?.startsWith('model.gov.dim_customers'));
    expect(tests.map((t) => [t.name, t.test!.attachedNode, t.dependsOn.nodes])).toEqual([
      ['not_null_dim_customers_v1_customer_id', 'model.gov.dim_customers.v1', ['model.gov.dim_customers.v1']],
      ['not_null_dim_customers_v2_customer_id', 'model.gov.dim_customers.v2', ['model.gov.dim_customers.v2']],
      ['not_null_dim_customers_v3_customer_id', 'model.gov.dim_customers.v3', ['model.gov.dim_customers.v3']],
    ]);
  });

  it('resolves ref(m) to the latest version, and ref(m, v=1) / ref(m, version=1) to the pinned one', () => {
    expect(nodes['model.gov.revenue']!.dependsOn.nodes).toContain('model.gov.dim_customers.v2');
    expect(compileNode(parsed, id('model.gov.revenue'))).toContain('"public"."dim_customers_v2"');
    expect(nodes['model.gov.customer_names']!.dependsOn.nodes).toEqual(['model.gov.dim_customers.v1']);
    expect(compileNode(parsed, id('model.gov.customer_names'))).toContain('"public"."dim_customers_v1"');
  });

  it('warns at a ref to a version with a deprecation_date', () => {
    const parsed = parse();
    expect(parsed.manifest.nodes['model.gov.dim_customers.v1']!.deprecationDate).toBe('2024-01-01');
    expect(parsed.warnings.filter((w) => w.code === 'STR253')).toEqual([
      {
        code: 'STR253',
        severity: 'warn',
        message: "model 'customer_names' refs 'dim_customers' (v1), deprecated since 2024-01-01",
        file: 'models/marts/customer_names.sql',
        line: 2,
        column: 17,
        hint: 'ref the latest version (v2)',
      },
    ]);
  });

  it('reads v= on the static path too', () => {
    const pinned = parse({ 'models/marts/pinned.sql': "select * from {{ ref('dim_customers', v=3) }}" });
    expect(pinned.templates.get(id('model.gov.pinned'))?.static).toBe(true);
    expect(compileNode(pinned, id('model.gov.pinned'))).toBe('select * from "public"."dim_customers_next"');
    expect(pinned.manifest.nodes['model.gov.pinned']!.refs[0]).toMatchObject({ name: 'dim_customers', version: 3 });
  });

  it('reports a ref to a missing version at the call, with the versions there are', () => {
    expect(problems({ 'models/marts/bad.sql': "select 1 as x\nfrom {{ ref('dim_customers', v=7) }}" })).toEqual([
      "models/marts/bad.sql:2:6 STR251 ref to version 7 of 'dim_customers', which has versions 1, 2, 3",
    ]);
    expect(problems({ 'models/marts/bad.sql': "select * from {{ ref('stg_customers', version=2) }}" })).toEqual([
      "models/marts/bad.sql:1:15 STR251 ref to version 2 of 'stg_customers', which has no versions",
    ]);
  });

  it('reports a version without its file, a latest_version that is no version, and a plain file of the same name', () => {
    expect(problems({}, ['models/marts/dim_customers_v3.sql'])).toEqual([
      'models/marts/_marts.yml:23:9 STR180 version 3 of model \'dim_customers\' has no file dim_customers_v3.sql',
    ]);
    const yaml = fs.readFileSync(path.join('tests/fixtures/projects/governance/models/marts/_marts.yml'), 'utf8');
    expect(problems({ 'models/marts/_marts.yml': yaml.replace('latest_version: 2', 'latest_version: 9') })).toEqual([
      "models/marts/_marts.yml:6:21 STR180 latest_version 9 of model 'dim_customers' is not one of its versions (1, 2, 3)",
    ]);
    expect(problems({ 'models/marts/dim_customers.sql': 'select 1 as customer_id' })).toEqual([
      "models/marts/_marts.yml:4:5 STR180 models/marts/dim_customers.sql is model 'dim_customers', which has versions in models/marts/_marts.yml",
    ]);
  });

  it('takes defined_in as the file of a version, and a float v as _v1_5', () => {
    const yaml = fs.readFileSync(path.join('tests/fixtures/projects/governance/models/marts/_marts.yml'), 'utf8');
    const defined = parse(
      {
        'models/marts/_marts.yml': yaml.replace('      - v: 3\n', '      - v: 3\n        defined_in: customers_next\n').replace('      - v: 1\n', '      - v: 1.5\n'),
        'models/marts/customers_next.sql': 'select 3 as customer_id',
        'models/marts/dim_customers_v1.5.sql': 'select 1 as customer_id',
      },
      ['models/marts/dim_customers_v3.sql', 'models/marts/dim_customers_v1.sql', 'models/marts/customer_names.sql'],
    );
    expect(defined.manifest.nodes['model.gov.dim_customers.v3']!.path).toBe('models/marts/customers_next.sql');
    expect(defined.manifest.nodes['model.gov.dim_customers.v1.5']!.alias).toBe('dim_customers_v1_5');
  });
});

describe('groups and access', () => {
  it('keeps groups and each node\'s group and access', () => {
    const parsed = parse();
    expect(Object.keys(parsed.manifest.groups ?? {})).toEqual(['group.gov.finance', 'group.gov.marketing']);
    expect(parsed.manifest.nodes['model.gov.stg_orders']!.config).toMatchObject({ group: 'finance', access: 'private' });
    // revenue is in finance: it may ref the private stg_orders.
    expect(parsed.manifest.nodes['model.gov.revenue']!.dependsOn.nodes).toContain('model.gov.stg_orders');
  });

  it('reports a ref to a private model from another group, naming both', () => {
    expect(problems({ 'models/marts/leak.sql': "{{ config(group='marketing') }}\nselect * from {{ ref('stg_orders') }}" })).toEqual([
      "models/marts/leak.sql:2:15 STR252 model 'leak' (in group 'marketing') refs 'stg_orders', which is private to group 'finance'",
    ]);
    expect(problems({ 'models/marts/leak.sql': "select * from {{ ref('stg_orders') }}" })).toEqual([
      "models/marts/leak.sql:1:15 STR252 model 'leak' (in no group) refs 'stg_orders', which is private to group 'finance'",
    ]);
  });

  it('reports an unknown group and an unknown access', () => {
    expect(problems({ 'models/marts/lost.sql': "{{ config(group='sales') }}\nselect 1 as x" })).toEqual([
      "models/marts/lost.sql:?:? STR182 model 'lost' is in group 'sales', which no groups: entry defines",
    ]);
    expect(problems({ 'models/marts/open.sql': "{{ config(access='open') }}\nselect 1 as x" })).toEqual([
      "models/marts/open.sql:?:? STR183 model 'open' has access 'open'",
    ]);
  });
});

describe('docs blocks', () => {
  const parsed = parse();

  it('puts the blocks into model, column and source descriptions', () => {
    expect(parsed.manifest.nodes['model.gov.stg_orders']!.description).toBe('One row per **order**, with its customer and amount.');
    expect(parsed.manifest.nodes['model.gov.stg_orders']!.columns.order_id!.description).toBe("The order. The order's id, unique.");
    // doc('package', 'name') as well.
    expect(parsed.manifest.nodes['model.gov.revenue']!.columns.revenue!.description).toBe("The order's id, unique. Summed.");
    expect(parsed.manifest.sources['source.gov.raw.orders']!.sourceDescription).toBe("Tables the shop's loader writes.");
    expect(Object.keys(parsed.manifest.docs ?? {})).toEqual(['doc.gov.orders', 'doc.gov.order_id', 'doc.gov.raw_source']);
  });

  it("reads an installed package's blocks: doc('package', 'name'), and doc('name') when the project has none of that name", () => {
    const yaml = fs.readFileSync('tests/fixtures/projects/governance/models/marts/_marts.yml', 'utf8');
    const withPackage = parse({
      'dbt_packages/house_docs/dbt_project.yml': 'name: house_docs\n',
      'dbt_packages/house_docs/models/house.md': '{% docs house_rule %}Amounts are in cents.{% enddocs %}\n{% docs orders %}Not this one.{% enddocs %}',
      'models/marts/_marts.yml': yaml.replace('description: Customers.', "description: \"{{ doc('house_docs', 'house_rule') }} {{ doc('house_rule') }} {{ doc('orders') }}\""),
    });
    expect(withPackage.manifest.nodes['model.gov.dim_customers.v1']!.description).toBe('Amounts are in cents. Amounts are in cents. One row per **order**, with its customer and amount.');
    expect(withPackage.manifest.docs?.['doc.house_docs.house_rule']).toMatchObject({ packageName: 'house_docs', path: 'dbt_packages/house_docs/models/house.md' });
  });

  it('watch reloads the project when a .md file under a resource folder changes', () => {
    const project = loadProject(copyFixture('governance'), { env });
    expect(roleOf(project, 'models/docs.md')).toBe('project');
    expect(roleOf(project, 'docs/notes.md')).toBeUndefined();
  });

  it('reports an unknown block at the call, and two blocks of one name', () => {
    const yaml = fs.readFileSync('tests/fixtures/projects/governance/models/staging/_staging.yml', 'utf8');
    expect(problems({ 'models/staging/_staging.yml': yaml.replace("doc('order_id')", "doc('order_key')") })).toEqual([
      "models/staging/_staging.yml:18:34 STR250 unknown docs block 'order_key'",
    ]);
    expect(problems({ 'models/more.md': '\n{% docs orders %}Again{% enddocs %}' })).toEqual(["models/more.md:2:1 STR185 two docs blocks are named 'orders'"]);
  });
});

describe('analyses', () => {
  it('are analysis nodes that read models and that nothing runs', () => {
    const parsed = parse();
    const analysis = parsed.manifest.nodes['analysis.gov.revenue_by_country']!;
    expect(analysis).toMatchObject({ resourceType: 'analysis', path: 'analyses/revenue_by_country.sql', fqn: ['gov', 'analysis', 'revenue_by_country'] });
    expect(analysis.dependsOn.nodes).toEqual(['model.gov.revenue']);
    expect(analysis.description).toBe("Revenue by country, for the quarterly review. The order's id, unique.");
    expect(compileNode(parsed, analysis.id)).toContain('from "public"."revenue"');
  });

  it('follow analysis-paths', () => {
    const dir = copyFixture('governance');
    fs.renameSync(path.join(dir, 'analyses'), path.join(dir, 'adhoc'));
    fs.appendFileSync(path.join(dir, 'project.yml'), 'analysis-paths: [adhoc]\n');
    const parsed = parseProject(loadProject(dir, { env }), { env });
    expect(parsed.manifest.nodes['analysis.gov.revenue_by_country']?.path).toBe('adhoc/revenue_by_country.sql');
  });
});

describe('sources: freshness settings', () => {
  const sources = parse().manifest.sources;

  it('merges the table over the source over the project, key by key; null turns it off', () => {
    expect(sources['source.gov.raw.orders']).toMatchObject({
      loadedAtField: 'loaded_at',
      freshness: { warn_after: { count: 1, period: 'hour' }, error_after: { count: 1, period: 'day' } },
    });
    expect(sources['source.gov.raw.customers']!.freshness).toEqual({ warn_after: { count: 1, period: 'hour' }, error_after: { count: 30, period: 'minute' } });
    expect(sources['source.gov.raw.events']).toMatchObject({ loadedAtField: 'occurred_at::timestamp', freshness: { warn_after: { count: 10, period: 'minute' }, filter: "kind <> 'test'" } });
    expect(sources['source.gov.raw.countries']!.freshness).toBeUndefined();
  });

  it('a freshness without a loaded_at_field is a warning, and that source is not checked', async () => {
    const dir = copyFixture('governance');
    fs.writeFileSync(path.join(dir, 'project.yml'), 'name: gov\n');
    const result = await strata(['source', 'freshness', '--select', 'source:raw.orders', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stderr).toContain('warning STR451  source raw.orders has a freshness but no loaded_at_field: not checked');
    expect(result.stdout).toContain('Nothing to do');
    const sources = JSON.parse(fs.readFileSync(path.join(dir, 'target/sources.json'), 'utf8'));
    expect(sources.results).toEqual([]);
    expect(schemaErrors('sources/v3', sources)).toEqual([]);
  });

  it('reports a malformed freshness at its place', () => {
    const yaml = fs.readFileSync('tests/fixtures/projects/governance/models/staging/_sources.yml', 'utf8');
    expect(problems({ 'models/staging/_sources.yml': yaml.replace('period: day', 'period: week') })[0]).toMatch(
      /^models\/staging\/_sources.yml:9:\d+ STR102 'sources.0.freshness.error_after.period': /,
    );
    expect(problems({ 'models/staging/_sources.yml': yaml.replace('        description: Orders as the shop writes them.', '        loaded_at_field: a\n        loaded_at_query: select now()') })).toEqual([
      'models/staging/_sources.yml:11:9 STR181 loaded_at_field and loaded_at_query are both set',
    ]);
    expect(problems({ 'models/staging/_sources.yml': yaml.replace('{count: 1, period: day}', '{count: 1}') })).toEqual([
      'models/staging/_sources.yml:8:7 STR181 freshness error_after needs both count and period',
    ]);
  });
});

describe('strata parse and compile', () => {
  it('parse writes a manifest.json valid against manifest v12, with docs, groups, versions and analyses', async () => {
    const dir = copyFixture('governance');
    const result = await strata(['parse', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.stdout).toContain('Found 7 models, 1 analysis, 6 data tests, 4 sources');
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(schemaErrors('manifest/v12', manifest)).toEqual([]);
    expect(manifest.docs['doc.gov.orders']).toEqual({
      name: 'orders',
      resource_type: 'doc',
      package_name: 'gov',
      path: 'docs.md',
      original_file_path: 'models/docs.md',
      unique_id: 'doc.gov.orders',
      block_contents: 'One row per **order**, with its customer and amount.',
    });
    expect(manifest.groups['group.gov.finance']).toMatchObject({ resource_type: 'group', owner: { name: 'Finance team', email: 'finance@example.com' } });
    expect(manifest.group_map.finance).toEqual(['model.gov.revenue', 'model.gov.stg_orders']);
    expect(manifest.nodes['model.gov.dim_customers.v1']).toMatchObject({ version: 1, latest_version: 2, group: 'marketing', access: 'public', alias: 'dim_customers_v1', deprecation_date: '2024-01-01' });
    expect(result.stderr).toContain("warning STR253  model 'customer_names' refs 'dim_customers' (v1), deprecated since 2024-01-01");
    expect(manifest.nodes['model.gov.customer_names'].refs).toEqual([{ name: 'dim_customers', package: null, version: 1 }]);
    expect(manifest.nodes['analysis.gov.revenue_by_country']).toMatchObject({ resource_type: 'analysis', relation_name: null, compiled: false });
    expect(manifest.sources['source.gov.raw.events']).toMatchObject({
      loaded_at_field: 'occurred_at::timestamp',
      freshness: { warn_after: { count: 10, period: 'minute' }, error_after: { count: 1, period: 'day' }, filter: "kind <> 'test'" },
    });
    expect(fs.existsSync(path.join(dir, 'target/compiled'))).toBe(false);
  });

  it('compile writes analyses to target/compiled; build never runs them', async () => {
    const dir = copyFixture('governance');
    const compiled = await strata(['compile', '--project-dir', dir]);
    expect(compiled.exitCode, compiled.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/gov/analyses/revenue_by_country.sql'), 'utf8')).toContain('from "public"."revenue"');
    expect(schemaErrors('manifest/v12', JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')))).toEqual([]);
    const list = await strata(['ls', '--project-dir', dir, '--resource-type', 'analysis', '--output', 'name']);
    expect(list.stdout.trim()).toBe('revenue_by_country');
    const versions = await strata(['ls', '--project-dir', dir, '--select', 'dim_customers.v1', 'version:latest', '--resource-type', 'model', '--output', 'path']);
    expect(versions.stdout.trim().split('\n')).toEqual(['models/marts/dim_customers_v1.sql', 'models/marts/dim_customers_v2.sql']);
    const finance = await strata(['ls', '--project-dir', dir, '--select', 'group:finance', '--resource-type', 'model', '--output', 'name']);
    expect(finance.stdout.trim().split('\n').sort()).toEqual(['revenue', 'stg_orders']);
    const open = await strata(['ls', '--project-dir', dir, '--select', 'access:public', 'access:private', '--resource-type', 'model', '--output', 'path']);
    expect(open.stdout.trim().split('\n').sort()).toEqual([
      'models/marts/dim_customers_v1.sql',
      'models/marts/dim_customers_v2.sql',
      'models/marts/dim_customers_v3.sql',
      'models/staging/stg_customers.sql',
      'models/staging/stg_orders.sql',
    ]);
  });
});
