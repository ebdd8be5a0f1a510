/**
 * Generic tests (the seven shipped with the engine and a project's own), singular tests, and their
 * names and failure output, through the CLI on tests/fixtures/projects/quality: every test passes on the
 * fixture's data, and each fails on crafted data with the expected number of failing rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { copyFixture, projectOn, runResults, statuses, strata, writeFiles } from '../engine/cli.js';

const TESTS = {
  unique: 'unique_stg_customers_id',
  notNull: 'not_null_stg_customers_id',
  acceptedValues: 'accepted_values_stg_customers_tier__gold__silver__bronze',
  relationships: 'relationships_stg_customers_country_id__id__ref_countries_',
  uniqueCombination: 'unique_combination_of_columns_stg_customers__name__country_id',
  notNullTotals: 'not_null_customer_totals_customer_id',
  expression: 'expression_is_true_customer_totals__revenue_0',
  equalRowcount: 'equal_rowcount_customer_totals__ref_stg_customers_',
  custom: 'is_positive_orders_amount',
  singular: 'assert_orders_have_customers',
};

/**
 * Crafted data: a duplicate id 1 (unique, and (Ann, 1) twice for the combination), a row with no id,
 * tier 'platinum' and country 9 (not_null, accepted_values, relationships); customer_totals then has a
 * null customer_id, a negative revenue and 2 rows for 3 customers; an order of amount -5 (the project's
 * is_positive test) and an order of unknown customer 7 (the singular test).
 */
const BAD_DATA = {
  'seeds/customers.csv': 'id,name,tier,country_id\n1,Ann,gold,1\n1,Ann,silver,1\n,Eve,platinum,9\n',
  'seeds/orders.csv': 'id,customer_id,amount\n1,1,-5.00\n2,7,3.00\n',
};

describeEachEngine('generic and singular data tests', (engine) => {
  it('all pass on clean data; build runs each right after its model', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('dt_pass')));
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    const status = statuses(dir);
    for (const name of Object.values(TESTS)) expect(status[name], name).toBe('pass');

    const order = [...runResults(dir).keys()];
    expect(order.indexOf(TESTS.unique)).toBeGreaterThan(order.indexOf('stg_customers'));
    expect(order.indexOf(TESTS.unique)).toBeLessThan(order.indexOf('customer_totals'));
    // relationships spans stg_customers and the seed countries: it runs once both are built.
    expect(order.indexOf(TESTS.relationships)).toBeGreaterThan(order.indexOf('countries'));
    expect(order.indexOf(TESTS.relationships)).toBeGreaterThan(order.indexOf('stg_customers'));
    // equal_rowcount compares customer_totals with stg_customers: after both.
    expect(order.indexOf(TESTS.equalRowcount)).toBeGreaterThan(order.indexOf('customer_totals'));
  });

  it('each fails on crafted data, with its failing count, compiled SQL path and rows', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('dt_fail')), BAD_DATA);
    const built = await strata(['build', '--project-dir', dir, '--exclude', 'resource_type:test']);
    expect(built.exitCode, built.output).toBe(0);
    const result = await strata(['test', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);

    const results = runResults(dir);
    const failures = Object.fromEntries(Object.values(TESTS).map((name) => [name, [results.get(name)?.status, (results.get(name) as { failures?: number } | undefined)?.failures]]));
    expect(failures).toEqual({
      [TESTS.unique]: ['fail', 1],
      [TESTS.notNull]: ['fail', 1],
      [TESTS.acceptedValues]: ['fail', 1],
      [TESTS.relationships]: ['fail', 1],
      [TESTS.uniqueCombination]: ['fail', 1],
      [TESTS.notNullTotals]: ['fail', 1],
      [TESTS.expression]: ['fail', 1],
      [TESTS.equalRowcount]: ['fail', 1],
      [TESTS.custom]: ['fail', 1],
      [TESTS.singular]: ['fail', 1],
    });

    // The console: FAIL with the count, the compiled SQL's path (which exists), the failing rows.
    const lines = result.stdout.split('\n');
    const failLine = lines.findIndex((l) => l.includes(`FAIL test ${TESTS.acceptedValues}`));
    expect(lines[failLine]).toContain('[FAIL 1');
    const detail = lines.slice(failLine + 1, failLine + 6).join('\n');
    const compiled = /compiled SQL: (\S+)/.exec(detail)?.[1];
    expect(compiled).toBe(`target/compiled/quality/models/_models.yml/${TESTS.acceptedValues}.sql`);
    expect(fs.readFileSync(path.join(dir, compiled!), 'utf8')).toMatch(/not in \('gold', 'silver', 'bronze'\)/);
    expect(detail).toMatch(/value_field\s+\|\s+n_records/);
    expect(detail).toMatch(/platinum\s+\|\s+1/);
    expect(result.stdout).toMatch(/FAIL test assert_orders_have_customers[\s\S]*?id \| customer_id[\s\S]*?2 \|\s+7/);
  });
});

describe('generic test names', () => {
  it('an unknown generic test is an error at its YAML entry, with a guess among the project\'s own', async () => {
    const dir = copyFixture('quality');
    writeFiles(dir, {
      'models/extra.yml': [
        'version: 2',
        'seeds:',
        '  - name: countries',
        '    columns:',
        '      - name: name',
        '        tests: [is_positve]',
      ].join('\n'),
    });
    const result = await strata(['ls', '--project-dir', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/models\/extra\.yml:6:\d+\s+error\s+\S+\s+unknown generic test 'is_positve'.*did you mean 'is_positive'/);
  });
});
