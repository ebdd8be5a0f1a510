/**
 * `strata source freshness` on each engine, on the governance fixture's sources (created here with
 * loaded_at values relative to the database's now): the status of each source against its warn_after /
 * error_after (with the filter applied, naive timestamps read as UTC), --select source:x, a source whose
 * query fails, the exit code, a line per source, and target/sources.json valid against dbt's sources v3.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { freshnessStatus } from '../../compiler/freshness/check-freshness.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';
import { projectOn, strata, withAdapter, writeFiles } from './cli.js';

type Json = Record<string, any>;

describe('freshness status (dbt: strictly older than the threshold)', () => {
  it.each([
    [59 * 60, 'pass'],
    [3600, 'pass'],
    [3601, 'warn'],
    [86_401, 'error'],
  ])('%i seconds old → %s', (age, status) => {
    expect(freshnessStatus(age, { warn_after: { count: 1, period: 'hour' }, error_after: { count: 1, period: 'day' } })).toBe(status);
  });

  it('with only error_after, an old source is an error and a recent one passes', () => {
    expect(freshnessStatus(31 * 60, { error_after: { count: 30, period: 'minute' } })).toBe('error');
    expect(freshnessStatus(29 * 60, { error_after: { count: 30, period: 'minute' } })).toBe('pass');
  });
});

describeEachEngine('strata source freshness', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let dir: string;
  const cli = (...args: string[]) => strata(['source', 'freshness', ...args, '--project-dir', dir]);
  const sql = (text: string) => withAdapter(target, (adapter) => adapter.withConnection((connection) => connection.exec(text)));
  const sourcesJson = () => JSON.parse(fs.readFileSync(path.join(dir, 'target/sources.json'), 'utf8')) as Json;
  const byId = (document: Json) => Object.fromEntries((document.results as Json[]).map((r) => [r.unique_id.split('.').slice(3).join('.'), r]));

  beforeAll(async () => {
    schema = uniqueSchema('fresh');
    target = engine.makeIsolatedTarget(schema);
    dir = projectOn('governance', target);
    const s = quoteIdent(schema);
    const utcNow = "(now() at time zone 'utc')";
    await sql(
      `create schema ${s};` +
        // loaded two hours ago, as a timestamp without time zone in UTC: past warn_after (1 hour), within error_after (1 day).
        `create table ${s}.orders (id int, customer_id int, amount numeric, loaded_at timestamp);` +
        `insert into ${s}.orders values (1, 1, 10, ${utcNow} - interval '3 hours'), (2, 1, 5, ${utcNow} - interval '2 hours');` +
        // five minutes ago, timestamptz: within error_after (30 minutes).
        `create table ${s}.customers (id int, name text, country text, loaded_at timestamptz);` +
        `insert into ${s}.customers values (1, 'a', 'fr', now() - interval '5 minutes');` +
        // three days ago, as text cast in loaded_at_field; the newer row is a 'test' row the filter leaves out.
        `create table ${s}.events (id int, kind text, occurred_at text);` +
        `insert into ${s}.events values (1, 'real', to_char(${utcNow} - interval '3 days', 'YYYY-MM-DD HH24:MI:SS')), (2, 'test', to_char(${utcNow}, 'YYYY-MM-DD HH24:MI:SS'));` +
        `create table ${s}.countries (code text);`,
    );
  }, 120_000);

  it('checks every source with a freshness, prints a line each, writes sources.json, exits 1 on an error', async () => {
    const result = await cli();
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toMatch(/1 of 3 PASS freshness of raw\.customers: last loaded 5 minutes( \d+ seconds?)? ago .*warn after 1 hour, error after 30 minutes/);
    expect(result.stdout).toMatch(/2 of 3 ERROR STALE freshness of raw\.events: last loaded 3 days/);
    expect(result.stdout).toMatch(/3 of 3 WARN freshness of raw\.orders: last loaded 2 hours/);
    expect(result.stdout).toContain('PASS=1 WARN=1 ERROR=1 SKIP=0 TOTAL=3');
    const document = sourcesJson();
    expect(schemaErrors('sources/v3', document)).toEqual([]);
    expect(document.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/sources/v3.json');
    const results = byId(document);
    // countries has freshness: null: not checked.
    expect(Object.keys(results).sort()).toEqual(['customers', 'events', 'orders']);
    expect(results.orders).toMatchObject({
      status: 'warn',
      criteria: { warn_after: { count: 1, period: 'hour' }, error_after: { count: 1, period: 'day' }, filter: null },
      max_loaded_at_time_ago_in_s: expect.any(Number),
    });
    expect(results.orders.max_loaded_at_time_ago_in_s).toBeGreaterThan(2 * 3600 - 60);
    expect(results.orders.max_loaded_at_time_ago_in_s).toBeLessThan(2 * 3600 + 600);
    expect(Date.parse(results.orders.snapshotted_at) - Date.parse(results.orders.max_loaded_at)).toBeGreaterThan(2 * 3600 * 1000 - 60_000);
    expect(results.customers).toMatchObject({ status: 'pass', criteria: { error_after: { count: 30, period: 'minute' } } });
    expect(results.events).toMatchObject({ status: 'error', criteria: { filter: "kind <> 'test'" } });
  });

  it('--select source:raw.customers checks that source only (exit 0 when it passes); a warning alone exits 0', async () => {
    const passing = await cli('--select', 'source:raw.customers');
    expect(passing.exitCode, passing.output).toBe(0);
    expect(Object.keys(byId(sourcesJson()))).toEqual(['customers']);
    const warning = await cli('--select', 'source:raw.orders');
    expect(warning.exitCode, warning.output).toBe(0);
    expect(byId(sourcesJson()).orders.status).toBe('warn');
  });

  it('an empty table was never loaded: past every threshold', async () => {
    await sql(`create table ${quoteIdent(schema)}.empty_orders (loaded_at timestamp); drop table ${quoteIdent(schema)}.orders; alter table ${quoteIdent(schema)}.empty_orders rename to orders;`);
    const result = await cli('--select', 'source:raw.orders');
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toContain('never (no row has a value)');
    const orders = byId(sourcesJson()).orders;
    expect(orders).toMatchObject({ status: 'error', max_loaded_at: '0001-01-01T00:00:00Z' });
    expect(schemaErrors('sources/v3', sourcesJson())).toEqual([]);
  });

  it('loaded_at_query gives the time instead of loaded_at_field ({{ this }} is the table)', async () => {
    await sql(`create table ${quoteIdent(schema)}.refunds (refunded_at timestamptz); insert into ${quoteIdent(schema)}.refunds values (now() - interval '10 minutes')`);
    writeFiles(dir, {
      'models/staging/_ledger.yml': [
        'version: 2',
        'sources:',
        '  - name: ledger',
        '    schema: "{{ target.schema }}"',
        '    tables:',
        '      - name: refunds',
        '        config:',
        "          loaded_at_query: \"select max(refunded_at) - interval '1 hour' from {{ this }}\"",
        '          freshness: {warn_after: {count: 30, period: minute}, error_after: {count: 1, period: day}}',
      ].join('\n'),
    });
    const result = await cli('--select', 'source:ledger');
    expect(result.exitCode, result.output).toBe(0);
    // 10 minutes old by the column, 70 by the query: a warning.
    expect(result.stdout).toMatch(/1 of 1 WARN freshness of ledger\.refunds: last loaded 1 hour 10 minutes ago/);
    expect(schemaErrors('sources/v3', sourcesJson())).toEqual([]);
  });

  it('a source whose query fails is a runtime error (exit 1), and the others are still checked', async () => {
    await sql(`drop table ${quoteIdent(schema)}.customers`);
    const result = await cli('--select', 'source:raw', '--output', path.join(dir, 'elsewhere/sources.json'));
    expect(result.exitCode, result.output).toBe(1);
    expect(result.stdout).toMatch(/ERROR freshness of raw\.customers: the query failed: relation .* does not exist/);
    const document = JSON.parse(fs.readFileSync(path.join(dir, 'elsewhere/sources.json'), 'utf8')) as Json;
    expect(schemaErrors('sources/v3', document)).toEqual([]);
    const results = byId(document);
    expect(results.customers).toEqual({ unique_id: 'source.gov.raw.customers', error: expect.stringMatching(/does not exist/), status: 'runtime error' });
    expect(results.events.status).toBe('error');
  });
});
