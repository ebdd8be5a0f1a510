import { describe, expect, it } from 'vitest';
import { Dag } from '../../compiler/graph/dag.js';
import { selectNodes, type SelectOptions } from '../../compiler/graph/select-nodes.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { tinyManifest } from './tiny-manifest.js';

const manifest = tinyManifest();
const dag = Dag.fromManifest(manifest);

/** `model.p.stg_orders` → `stg_orders`, `source.p.raw.orders` → `raw.orders`. */
const short = (id: string): string => id.split('.').slice(2).join('.');

function run(options: SelectOptions): { ids: string[]; sources: string[] } {
  const selection = selectNodes(manifest, dag, options);
  return { ids: selection.ids.map(short).sort(), sources: selection.sources.map(short).sort() };
}

const ALL_TESTS = [
  'assert_positive_totals',
  'not_null_raw_customers_id',
  'not_null_stg_orders_id',
  'relationships_fct_orders_customer_id',
  'unique_dim_customers_id',
];
const GOLD = ['assert_positive_totals', 'dim_customers', 'fct_orders', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id'];
const EVERYTHING = ['countries', 'dim_customers', 'fct_orders', 'int_orders', 'report', 'stg_customers', 'stg_orders', ...ALL_TESTS].sort();
const BOTH_SOURCES = ['raw.customers', 'raw.orders'];

describe('selectNodes: methods', () => {
  it.each<[string, string, string[], string[]?]>([
    ['a bare name', 'stg_customers', ['stg_customers']],
    ['a wildcard name', 'stg_*', ['not_null_stg_orders_id', 'stg_customers', 'stg_orders']],
    ['a bare folder name', 'gold', GOLD],
    ['a bare fqn', 'p.gold.dim_customers', ['dim_customers', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id']],
    ['a bare path', 'models/intermediate', ['int_orders']],
    ['path: a folder', 'path:models/gold', GOLD],
    ['path: a folder with a trailing slash', 'path:models/gold/', GOLD],
    ['path: a file', 'path:models/staging/stg_orders.sql', ['not_null_stg_orders_id', 'stg_orders']],
    ['path: a singular test', 'path:tests/sql', ['assert_positive_totals']],
    ['tag:', 'tag:gold', GOLD],
    ['tag: on a source', 'tag:pii', ['dim_customers', 'not_null_raw_customers_id', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id'], ['raw.customers']],
    ['config.materialized:', 'config.materialized:ephemeral', ['int_orders']],
    ['config.<key>: an array containing the value', 'config.grants:bi', ['assert_positive_totals', 'fct_orders', 'relationships_fct_orders_customer_id']],
    ['resource_type:seed', 'resource_type:seed', ['countries']],
    ['resource_type:test', 'resource_type:test', ALL_TESTS],
    ['resource_type:source', 'resource_type:source', ['not_null_raw_customers_id'], BOTH_SOURCES],
    ['source: a source', 'source:raw', ['not_null_raw_customers_id'], BOTH_SOURCES],
    ['source: a table', 'source:raw.orders', [], ['raw.orders']],
    ['source: a table with its package', 'source:p.raw.customers', ['not_null_raw_customers_id'], ['raw.customers']],
    ['test_type:generic', 'test_type:generic', ALL_TESTS.filter((t) => t !== 'assert_positive_totals')],
    ['test_type:singular', 'test_type:singular', ['assert_positive_totals']],
    ['test_type:unit', 'test_type:unit', []],
    ['fqn: a folder prefix', 'fqn:p.staging', ['not_null_raw_customers_id', 'not_null_stg_orders_id', 'stg_customers', 'stg_orders'], BOTH_SOURCES],
    ['fqn: with a * part', 'fqn:p.*', EVERYTHING, BOTH_SOURCES],
    ['package:', 'package:p', EVERYTHING, BOTH_SOURCES],
    ['test_name: a generic test', 'test_name:not_null', ['not_null_raw_customers_id', 'not_null_stg_orders_id']],
    ['test_name: a singular test', 'test_name:assert_*', ['assert_positive_totals']],
  ])('%s: %s', (_, select, ids, sources = []) => {
    expect(run({ select: [select] })).toEqual({ ids, sources });
  });

  it('state: asks the callback', () => {
    const asked: string[] = [];
    const state = (node: { name: string }, criterion: string) => {
      asked.push(criterion);
      return node.name === 'report';
    };
    expect(run({ select: ['state:modified'], state }).ids).toEqual(['report']);
    expect(new Set(asked)).toEqual(new Set(['modified']));
  });

  it('state: without a callback is an error', () => {
    expect(() => run({ select: ['state:new+'] })).toThrow(StrataError);
    expect(() => run({ select: ['state:new+'] })).toThrow(/STR303.*'state:new\+' needs the state of a previous run/);
  });
});

describe('selectNodes: graph operators and set operations', () => {
  it.each<[string, SelectOptions, string[], string[]?]>([
    ['+x: every ancestor', { select: ['+fct_orders'] }, EVERYTHING.filter((n) => n !== 'report'), BOTH_SOURCES],
    ['x+: every descendant', { select: ['fct_orders+'] }, ['assert_positive_totals', 'fct_orders', 'relationships_fct_orders_customer_id', 'report']],
    ['1+x: direct parents', { select: ['1+fct_orders'] }, ['assert_positive_totals', 'dim_customers', 'fct_orders', 'int_orders', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id']],
    ['x+1: direct children', { select: ['stg_orders+1'] }, ['int_orders', 'not_null_stg_orders_id', 'stg_orders']],
    ['2+x+1: both, limited', { select: ['2+int_orders+1'] }, ['assert_positive_totals', 'countries', 'fct_orders', 'int_orders', 'not_null_stg_orders_id', 'relationships_fct_orders_customer_id', 'stg_orders'], ['raw.orders']],
    ['@x: descendants and their ancestors', { select: ['@dim_customers'] }, EVERYTHING, BOTH_SOURCES],
    ['x+ differs from @x', { select: ['dim_customers+'] }, [...GOLD, 'report'].sort()],
    ['union: two terms in one value', { select: ['stg_customers report'] }, ['report', 'stg_customers']],
    ['union: repeated values', { select: ['stg_customers', 'report'] }, ['report', 'stg_customers']],
    ['intersection', { select: ['tag:pii,resource_type:model'] }, ['dim_customers', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id']],
    ['intersection with a wildcard', { select: ['tag:staging,stg_o*'] }, ['not_null_stg_orders_id', 'stg_orders']],
    ['intersection with graph operators', { select: ['+fct_orders,resource_type:seed'] }, ['countries']],
    ['exclude', { select: ['+fct_orders'], exclude: ['resource_type:seed'] }, EVERYTHING.filter((n) => n !== 'report' && n !== 'countries'), BOTH_SOURCES],
    ['exclude a test explicitly', { select: ['dim_customers'], exclude: ['test_name:unique'] }, ['dim_customers', 'relationships_fct_orders_customer_id']],
    ['exclude a model: every test that reads it goes too (eager, as in dbt)', { select: ['tag:gold'], exclude: ['fct_orders'] }, ['dim_customers', 'unique_dim_customers_id']],
    ['exclude with graph operators', { select: ['report+', '+stg_orders'], exclude: ['stg_orders+'] }, [], ['raw.orders']],
    ['no select: every enabled model, seed and test', {}, EVERYTHING, BOTH_SOURCES],
    ['no select, with exclude', { exclude: ['tag:gold'] }, ['countries', 'int_orders', 'not_null_raw_customers_id', 'not_null_stg_orders_id', 'report', 'stg_customers', 'stg_orders'], BOTH_SOURCES],
    ['disabled nodes are never selected', { select: ['old_model', 'tag:gold'] }, GOLD],
    ['indirect tests: a test of a selected model', { select: ['stg_orders'] }, ['not_null_stg_orders_id', 'stg_orders']],
    ['indirect tests: a test of a selected source', { select: ['source:raw.customers'] }, ['not_null_raw_customers_id'], ['raw.customers']],
    ['indirect tests: any one parent is enough', { select: ['dim_customers'] }, ['dim_customers', 'relationships_fct_orders_customer_id', 'unique_dim_customers_id']],
  ])('%s', (_, options, ids, sources = []) => {
    expect(run(options)).toEqual({ ids, sources });
  });
});

describe('selectNodes: results', () => {
  it('returns ids in dependency order, ties broken by id', () => {
    expect(selectNodes(manifest, dag, { select: ['+report'] }).ids).toEqual([
      'seed.p.countries',
      'model.p.stg_customers',
      'model.p.dim_customers',
      'model.p.stg_orders',
      'model.p.int_orders',
      'model.p.fct_orders',
      'model.p.report',
      'test.p.assert_positive_totals',
      'test.p.not_null_raw_customers_id',
      'test.p.not_null_stg_orders_id',
      'test.p.relationships_fct_orders_customer_id',
      'test.p.unique_dim_customers_id',
    ]);
  });

  it.each<[string, SelectOptions, { message: string; hint?: string }[]]>([
    ['none when every term matches', { select: ['gold', 'tag:pii'] }, []],
    ['a term matching nothing', { select: ['gold nope'] }, [{ message: "--select term 'nope' matched no enabled node", hint: "check the term: 'strata ls' lists every node" }]],
    [
      'a term matching only disabled nodes',
      { select: ['old_model'] },
      [{ message: "--select term 'old_model' matched no enabled node", hint: 'only disabled nodes match it' }],
    ],
    [
      'an intersection whose terms match apart but not together',
      { select: ['tag:staging,resource_type:seed'] },
      [{ message: "--select term 'tag:staging,resource_type:seed' matched no enabled node", hint: 'the terms match nodes, but no node matches all of them' }],
    ],
    ['an exclude term matching nothing', { exclude: ['tag:nope'] }, [{ message: "--exclude term 'tag:nope' matched no enabled node", hint: "check the term: 'strata ls' lists every node" }]],
  ])('warns: %s', (_, options, expected) => {
    const { warnings } = selectNodes(manifest, dag, options);
    expect(warnings).toEqual(expected.map((w) => ({ code: 'STR304', severity: 'warn', ...w })));
  });
});
