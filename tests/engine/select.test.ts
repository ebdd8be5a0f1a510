/**
 * Node selection through the CLI (`strata ls`), as users type it. The evaluator's own table tests are in
 * tests/graph/; this checks the command line end to end on tests/fixtures/projects/dag:
 *
 *   countries (seed) ─────────────┐
 *   raw.customers → stg_customers → dim_customers (gold, table; unique test) ─┐
 *   raw.orders → stg_orders → int_orders (tag hourly) ───────────────────────→ fct_orders (gold, table) → report
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, strata } from './cli.js';

const DAG = path.join(FIXTURES, 'dag');
const TEST = 'unique_dim_customers_id';

async function ls(...args: string[]): Promise<string[]> {
  const result = await strata(['ls', '--project-dir', DAG, '--output', 'name', ...args]);
  expect(result.exitCode, result.output).toBe(0);
  return result.stdout.split('\n').filter(Boolean).sort();
}

describe.concurrent('selection through strata ls', () => {
  it.each<[string, string[], string[]]>([
    ['a name', ['--select', 'report'], ['report']],
    ['+x: ancestors', ['--select', '+fct_orders'], ['countries', 'dim_customers', 'fct_orders', 'int_orders', 'stg_customers', 'stg_orders', TEST]],
    ['x+: descendants', ['--select', 'stg_orders+'], ['fct_orders', 'int_orders', 'report', 'stg_orders']],
    ['1+x: parents only', ['--select', '1+fct_orders'], ['dim_customers', 'fct_orders', 'int_orders', TEST]],
    ['x+1: children only', ['--select', 'stg_orders+1'], ['int_orders', 'stg_orders']],
    ['@x: descendants and their ancestors', ['--select', '@int_orders'], ['countries', 'dim_customers', 'fct_orders', 'int_orders', 'report', 'stg_customers', 'stg_orders', TEST]],
    ['a bare folder', ['--select', 'gold'], ['dim_customers', 'fct_orders', TEST]],
    ['path:', ['--select', 'path:models/staging'], ['stg_customers', 'stg_orders']],
    ['tag:', ['--select', 'tag:hourly'], ['int_orders']],
    ['config.materialized:', ['--select', 'config.materialized:table'], ['dim_customers', 'fct_orders', TEST]],
    ['resource_type:', ['--select', 'resource_type:seed'], ['countries']],
    ['resource_type:test', ['--select', 'resource_type:test'], [TEST]],
    ['union with a space', ['--select', 'int_orders countries'], ['countries', 'int_orders']],
    ['union with repeated --select', ['--select', 'int_orders', '--select', 'countries'], ['countries', 'int_orders']],
    ['intersection with a comma', ['--select', '+fct_orders,tag:gold'], ['dim_customers', 'fct_orders', TEST]],
    ['intersection of path and graph operator', ['--select', 'path:models/staging,stg_orders+'], ['stg_orders']],
    ['--exclude', ['--select', 'gold', '--exclude', 'fct_orders'], ['dim_customers', TEST]],
    ['--exclude with graph operators', ['--select', '+report', '--exclude', '+dim_customers resource_type:test'], ['fct_orders', 'int_orders', 'report', 'stg_orders']],
    ['--exclude alone', ['--exclude', 'gold+ staging'], ['countries', 'int_orders']],
  ])('%s', async (_title, args, expected) => {
    expect(await ls(...args)).toEqual(expected);
  });

  it('prints nodes in DAG order', async () => {
    const result = await strata(['ls', '--project-dir', DAG, '--select', 'stg_orders+', '--output', 'name']);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual(['stg_orders', 'int_orders', 'fct_orders', 'report']);
  });

  it('--output json: one object a line in the shape of dbt ls --output json', async () => {
    const result = await strata(['ls', '--project-dir', DAG, '--select', 'int_orders+1', '--output', 'json']);
    expect(result.exitCode, result.output).toBe(0);
    const rows = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows).toEqual([
      {
        name: 'int_orders',
        resource_type: 'model',
        package_name: 'dag',
        original_file_path: 'models/intermediate/int_orders.sql',
        unique_id: 'model.dag.int_orders',
        alias: 'int_orders',
        config: expect.objectContaining({ materialized: 'view', tags: ['hourly'], enabled: true, 'pre-hook': [], docs: { show: true, node_color: null } }),
        tags: ['hourly'],
        depends_on: { macros: [], nodes: ['model.dag.stg_orders'] },
      },
      expect.objectContaining({
        unique_id: 'model.dag.fct_orders',
        resource_type: 'model',
        original_file_path: 'models/gold/fct_orders.sql',
        config: expect.objectContaining({ materialized: 'table', tags: ['gold'] }),
        depends_on: { nodes: expect.arrayContaining(['model.dag.int_orders', 'model.dag.dim_customers']), macros: [] },
      }),
    ]);
  });

  it('a selector matching nothing warns and lists nothing; a malformed one is exit code 2', async () => {
    const none = await strata(['ls', '--project-dir', DAG, '--select', 'tag:nope', '--output', 'name']);
    expect(none.exitCode).toBe(0);
    expect(none.stdout.trim()).toBe('');
    expect(none.output).toContain("matched no enabled node");
    const bad = await strata(['ls', '--project-dir', DAG, '--select', 'nope:x']);
    expect(bad.exitCode, bad.output).toBe(2);
  });
});
