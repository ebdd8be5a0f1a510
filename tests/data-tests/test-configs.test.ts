/**
 * Test configs through the CLI: severity, error_if/warn_if thresholds, where, limit, store_failures,
 * and what a failing test does to `build` (an error skips the model's descendants, a warn does not).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, statuses, strata, withAdapter } from '../engine/cli.js';

/** Customers with a null name, two null countries, a bad tier on row 3; orders with a repeated customer. */
const CONFIG_DATA = {
  'seeds/customers.csv': 'id,name,tier,country_id\n1,Ann,gold,\n2,,silver,\n3,Cid,platinum,1\n',
  'models/_models.yml': `version: 2
seeds:
  - name: customers
    columns:
      - name: name
        data_tests:
          - not_null:
              severity: warn
      - name: tier
        data_tests:
          - accepted_values:
              values: [gold, silver]
              config:
                where: "id <> 3"
      - name: country_id
        data_tests:
          - not_null:
              config:
                store_failures: true
          - relationships:
              to: ref('countries')
              field: id
              limit: 1
              name: customer_country_exists
  - name: orders
    columns:
      - name: customer_id
        data_tests:
          - unique:
              error_if: ">5"
              warn_if: ">0"
      - name: id
        data_tests:
          - unique:
              error_if: ">=0"
              severity: warn
`,
};

describeEachEngine('test configs', (engine) => {
  it('severity, thresholds, where, limit and store_failures', async () => {
    const schema = uniqueSchema('dt_cfg');
    const target = engine.makeTarget(schema);
    const dir = projectOn('quality', target, CONFIG_DATA);
    const result = await strata(['build', '--project-dir', dir, '--select', 'resource_type:seed']);
    expect(result.exitCode, result.output).toBe(1);

    const results = runResults(dir) as Map<string, { status: string; failures?: number | null; relation_name?: string | null }>;
    const summary = (name: string) => [results.get(name)?.status, results.get(name)?.failures];
    // severity warn: a warning, not an error.
    expect(summary('not_null_customers_name')).toEqual(['warn', 1]);
    // where: the bad tier is on the excluded row.
    expect(summary('accepted_values_customers_tier__gold__silver')).toEqual(['pass', 0]);
    // One failing group: over warn_if (>0), not over error_if (>5).
    expect(summary('unique_orders_customer_id')).toEqual(['warn', 1]);
    // severity warn never fails, whatever error_if says; 0 failures is not over warn_if (default !=0).
    expect(summary('unique_orders_id')).toEqual(['pass', 0]);
    // limit 1: two rows have a null country... but relationships skips nulls; country 1 exists: pass.
    expect(summary('customer_country_exists')).toEqual(['pass', 0]);
    // store_failures: the failing rows are kept in <schema>_test_failures.<test name>, named in the output.
    expect(summary('not_null_customers_country_id')).toEqual(['fail', 2]);
    const stored = `${schema}_test_failures.not_null_customers_country_id`;
    // run_results.json names it as dbt-postgres does: "database"."schema"."identifier".
    expect(results.get('not_null_customers_country_id')?.relation_name).toMatch(new RegExp(`^"[^"]+"\\."${schema}_test_failures"\\."not_null_customers_country_id"$`));
    expect(result.stdout).toContain(`2 failing rows (stored in ${stored})`);
    expect(result.stdout).toMatch(/WARN test not_null_customers_name\s*\.+\s*\[WARN 1/);
    expect(result.stdout).toMatch(/Done\. PASS=\d+ WARN=2 ERROR=1/);

    const rows = await withAdapter(target, (adapter) =>
      adapter.query<{ n: string | number; nulls: string | number }>(
        `select count(*) as n, count(*) filter (where country_id is null) as nulls from ${quoteIdent(`${schema}_test_failures`)}.${quoteIdent('not_null_customers_country_id')}`,
      ),
    );
    expect(rows.rows.map((r) => [Number(r.n), Number(r.nulls)])).toEqual([[2, 2]]);

    // run_results.json has `failures` for every test.
    const document = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: { unique_id: string; failures: unknown }[] };
    for (const r of document.results.filter((x) => x.unique_id.startsWith('test.'))) expect(typeof r.failures, r.unique_id).toBe('number');
  });

  it('limit caps the failing rows counted', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('dt_limit')), {
      'seeds/customers.csv': 'id,name,tier,country_id\n1,Ann,gold,7\n2,Bob,silver,8\n3,Cid,bronze,9\n',
      'models/_models.yml': `version: 2
seeds:
  - name: customers
    columns:
      - name: country_id
        data_tests:
          - relationships:
              to: ref('countries')
              field: id
              config: {limit: 2}
`,
    });
    const result = await strata(['build', '--project-dir', dir, '--select', 'resource_type:seed']);
    expect(result.exitCode, result.output).toBe(1);
    const r = runResults(dir).get('relationships_customers_country_id__id__ref_countries_') as { status: string; failures?: number };
    expect([r.status, r.failures]).toEqual(['fail', 2]);
  });

  it('build: an error-severity failure skips the descendants, a warn does not', async () => {
    const dir = projectOn('quality', engine.makeTarget(uniqueSchema('dt_skip')), {
      'seeds/customers.csv': 'id,name,tier,country_id\n1,Ann,gold,1\n1,Ann,silver,1\n',
      'models/warned.sql': "select * from {{ ref('orders') }}\n",
      'models/after_warned.sql': "select * from {{ ref('warned') }}\n",
      'models/_models.yml': `version: 2
models:
  - name: stg_customers
    columns:
      - name: id
        data_tests: [unique]
  - name: warned
    columns:
      - name: customer_id
        data_tests:
          - unique: {severity: warn}
`,
    });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(1);
    const status = statuses(dir);
    expect(status).toMatchObject({
      stg_customers: 'success',
      unique_stg_customers_id: 'fail',
      customer_totals: 'skipped',
      report: 'skipped',
      warned: 'success',
      unique_warned_customer_id: 'warn',
      after_warned: 'success',
    });
    expect(result.stdout).toMatch(/SKIP .*customer_totals/);
  });
});
