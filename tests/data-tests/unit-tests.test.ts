/**
 * Unit tests (dbt 1.8 `unit_tests:`) through the CLI: they run on literal inputs without building
 * anything upstream, compare rows as a multiset with a readable diff, honour var and macro overrides,
 * run before their model in `build` (a failure skips it), and are selected with `test_type:unit`.
 */
import { describe, expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { copyFixture, projectOn, runResults, statuses, strata, writeFiles } from '../engine/cli.js';

const MODELS = {
  'models/tiers.sql': `{{ config(materialized='table') }}
select
    o.id,
    c.name,
    case when o.amount >= {{ var('high_amount', 20) }} then 'high' else 'low' end as band,
    o.amount
from {{ ref('orders') }} as o
join {{ ref('stg_customers') }} as c on c.id = o.customer_id
`,
  'models/tiers_child.sql': "select * from {{ ref('tiers') }}\n",
  'models/inc_orders.sql': `{{ config(materialized='incremental', unique_key='id') }}
select id, amount from {{ ref('orders') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
`,
  'models/_unit.yml': `version: 2
unit_tests:
  - name: bands_at_the_threshold
    model: tiers
    given:
      - input: ref('orders')
        rows:
          - {id: 1, customer_id: 1, amount: 19.99}
          - {id: 2, customer_id: 1, amount: 20}
          - {id: 3, customer_id: 2, amount: 20.00}
      - input: ref('stg_customers')
        format: csv
        rows: |
          id,name
          1,Ann
          2,Bob
    expect:
      rows:
        - {id: 1, name: Ann, band: low, amount: 19.99}
        - {id: 2, name: Ann, band: high, amount: 20.00}
        - {id: 3, name: Bob, band: high, amount: 20}

  - name: bands_follow_the_var
    model: tiers
    overrides:
      vars: {high_amount: 50}
    given:
      - input: ref('orders')
        rows: [{id: 1, customer_id: 1, amount: 49.99}, {id: 2, customer_id: 1, amount: 50}]
      - input: ref('stg_customers')
        rows: [{id: 1}]
    expect:
      rows: [{id: 1, band: low}, {id: 2, band: high}]

  - name: only_new_rows_when_incremental
    model: inc_orders
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('orders')
        rows: [{id: 1, amount: 1}, {id: 3, amount: 3}]
      - input: this
        rows: [{id: 2, amount: 2}]
    expect:
      rows: [{id: 3, amount: 3}]
`,
};

/** Expects band low for order 2 (it is high) and order 3 twice (it is there once). */
const FAILING = {
  'models/_unit_fail.yml': `version: 2
unit_tests:
  - name: bands_wrong_on_purpose
    model: tiers
    given:
      - input: ref('orders')
        rows:
          - {id: 1, customer_id: 1, amount: 5}
          - {id: 2, customer_id: 1, amount: 25}
          - {id: 3, customer_id: 1, amount: 30}
      - input: ref('stg_customers')
        rows: [{id: 1, name: Ann}]
    expect:
      rows:
        - {id: 1, band: low}
        - {id: 2, band: low}
        - {id: 3, band: high}
        - {id: 3, band: high}
`,
};

const UNIT_TESTS = ['bands_at_the_threshold', 'bands_follow_the_var', 'only_new_rows_when_incremental'];

describeEachEngine('unit tests', (engine) => {
  it('pass on literal inputs with nothing built upstream', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('ut_pass')), MODELS);
    const result = await strata(['test', '--project-dir', dir, '--select', 'test_type:unit']);
    expect(result.exitCode, result.output).toBe(0);
    expect(statuses(dir)).toEqual(Object.fromEntries(UNIT_TESTS.map((name) => [`${name.startsWith('only') ? 'inc_orders' : 'tiers'}.${name}`, 'pass'])));
    expect(result.stdout).toMatch(/PASS unit test bands_at_the_threshold/);
    expect([...runResults(dir).values()].map((r) => r.unique_id).sort()).toEqual([
      'unit_test.quality.inc_orders.only_new_rows_when_incremental',
      'unit_test.quality.tiers.bands_at_the_threshold',
      'unit_test.quality.tiers.bands_follow_the_var',
    ]);
  });

  it("takes an input's other columns and their types from its relation once built, for each input", async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('ut_built')), {
      'models/src_a.sql': "{{ config(materialized='table') }}\nselect 1::int as id, 2.50::numeric(10,2) as price, 'x'::varchar(5) as code\n",
      'models/src_b.sql': "{{ config(materialized='table') }}\nselect 1::int as id, true as flag\n",
      'models/joined.sql': "select a.id, a.price, a.code, b.flag from {{ ref('src_a') }} as a join {{ ref('src_b') }} as b on b.id = a.id\n",
      'models/_unit_built.yml': `version: 2
unit_tests:
  - name: joined_reads_built_columns
    model: joined
    given:
      - input: ref('src_a')
        rows: [{id: 1, price: 2.555}]
      - input: ref('src_b')
        rows: [{id: 1}]
    expect:
      rows: [{id: 1, price: 2.56, code: null, flag: null}]
`,
    });
    const before = await strata(['test', '--project-dir', dir, '--select', 'joined_reads_built_columns']);
    expect(before.exitCode, before.output).toBe(1);
    expect(before.output).toContain('STR243');
    expect((await strata(['build', '--project-dir', dir, '--select', 'src_a', 'src_b'])).exitCode).toBe(0);
    // price is numeric(10,2) in src_a: 2.555 given is 2.56; code and flag exist, null.
    const after = await strata(['test', '--project-dir', dir, '--select', 'joined_reads_built_columns']);
    expect(after.exitCode, after.output).toBe(0);
    expect(after.stdout).toContain('PASS unit test joined_reads_built_columns');
  });

  it('a failure shows the missing and the extra rows, as a multiset', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('ut_fail')), { ...MODELS, ...FAILING });
    const result = await strata(['test', '--project-dir', dir, '--select', 'bands_wrong_on_purpose']);
    expect(result.exitCode, result.output).toBe(1);
    const out = result.stdout.replace(/^\S+\s{2}/gm, '');
    expect(out).toContain('FAIL unit test bands_wrong_on_purpose');
    expect(out).toContain(
      'actual differs from expected: 2 expected rows missing, 1 unexpected row; compiled SQL: target/compiled/quality/models/_unit_fail.yml/bands_wrong_on_purpose.sql',
    );
    const missing = out.indexOf('missing rows (expected, not returned):');
    const extra = out.indexOf('extra rows (returned, not expected):');
    expect(missing).toBeGreaterThan(0);
    expect(extra).toBeGreaterThan(missing);
    const tableRows = (from: number, to: number) =>
      out
        .slice(from, to)
        .split('\n')
        .slice(3)
        .map((l) => l.trim().replace(/\s*\|\s*/g, '|'))
        .filter((l) => /^\d/.test(l))
        .sort();
    expect(tableRows(missing, extra)).toEqual(['2|low', '3|high']);
    expect(tableRows(extra, out.indexOf('Finished running'))).toEqual(['2|high']);
    expect((runResults(dir).get('tiers.bands_wrong_on_purpose') as { failures?: number }).failures).toBe(3);
  });

  it('build runs a model\'s unit tests before it; a failure skips the model and its descendants', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('ut_build')), { ...MODELS, ...FAILING });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    const status = statuses(dir);
    expect(status).toMatchObject({
      'tiers.bands_wrong_on_purpose': 'fail',
      'tiers.bands_at_the_threshold': 'pass',
      'inc_orders.only_new_rows_when_incremental': 'pass',
      tiers: 'skipped',
      tiers_child: 'skipped',
      inc_orders: 'success',
      customer_totals: 'success',
    });
    const order = [...runResults(dir).keys()];
    expect(order.indexOf('inc_orders.only_new_rows_when_incremental')).toBeLessThan(order.indexOf('inc_orders'));
  });

  it('reads given and expected rows from fixture files in tests/fixtures/ (csv and sql), never run as tests', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('ut_fixture')), {
      ...MODELS,
      'tests/fixtures/orders_fixture.csv': 'id,customer_id,amount\n1,1,5\n2,2,25\n',
      'tests/fixtures/sql/customers_fixture.sql': "select 1 as id, 'Ann' as name union all select 2, 'Bob'\n",
      'tests/fixtures/expected_bands.csv': 'id,name,band\n1,Ann,low\n2,Bob,high\n',
      'models/_unit_fixtures.yml': `version: 2
unit_tests:
  - name: bands_from_fixtures
    model: tiers
    given:
      - input: ref('orders')
        format: csv
        fixture: orders_fixture
      - input: ref('stg_customers')
        format: sql
        fixture: customers_fixture
    expect:
      format: csv
      fixture: expected_bands
`,
    });
    const result = await strata(['test', '--project-dir', dir, '--select', 'bands_from_fixtures']);
    expect(result.exitCode, result.output).toBe(0);
    expect(statuses(dir)).toEqual({ 'tiers.bands_from_fixtures': 'pass' });
    const ls = await strata(['ls', '--project-dir', dir, '--resource-type', 'test', '--output', 'name']);
    expect(ls.stdout).not.toMatch(/fixture/);
  });
});

describe('unit tests in the project', () => {
  const ls = async (dir: string, ...args: string[]) => {
    const result = await strata(['ls', '--project-dir', dir, '--output', 'name', ...args]);
    expect(result.exitCode, result.output).toBe(0);
    return result.stdout.split('\n').filter(Boolean).sort();
  };

  it('are selected by test_type:unit and resource_type:unit_test, and with their model', async () => {
    const dir = copyFixture('quality');
    writeFiles(dir, MODELS);
    expect(await ls(dir, '--select', 'test_type:unit')).toEqual(UNIT_TESTS);
    expect(await ls(dir, '--select', 'resource_type:unit_test')).toEqual(UNIT_TESTS);
    expect(await ls(dir, '--select', 'tiers')).toEqual(['bands_at_the_threshold', 'bands_follow_the_var', 'tiers']);
    expect(await ls(dir, '--select', 'resource_type:test')).not.toContain('bands_at_the_threshold');
    expect(await ls(dir, '--select', 'test_type:generic')).not.toContain('assert_orders_have_customers');
    expect(await ls(dir, '--select', 'test_type:singular')).toEqual(['assert_orders_have_customers']);
    expect(await ls(dir, '--select', 'tiers', '--exclude', 'test_type:unit')).toEqual(['tiers']);
  });

  it('a ref the test does not give is an error naming it, before anything runs', async () => {
    const dir = copyFixture('quality');
    writeFiles(dir, {
      ...MODELS,
      'models/_unit.yml': `version: 2
unit_tests:
  - name: forgot_customers
    model: tiers
    given:
      - input: ref('orders')
        rows: [{id: 1, customer_id: 1, amount: 5}]
    expect:
      rows: []
`,
    });
    const result = await strata(['test', '--project-dir', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(
      /models\/_unit\.yml:3:\d+\s+error\s+STR140\s+unit test 'forgot_customers': model 'tiers' also reads ref\('stg_customers'\)/,
    );
  });
});
