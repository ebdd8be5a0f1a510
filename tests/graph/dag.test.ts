import { describe, expect, it } from 'vitest';
import { Dag } from '../../compiler/graph/dag.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';
import { id, manifestOf, node, tinyManifest } from './tiny-manifest.js';

const model = (name: string, deps: string[] = []) =>
  node(`model.p.${name}`, { path: `models/${name}.sql`, deps: deps.map((dep) => `model.p.${dep}`) });

function cycleError(dag: Dag): StrataError {
  try {
    dag.assertAcyclic();
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
  throw new Error('expected a cycle');
}

describe('Dag', () => {
  const dag = Dag.fromManifest(tinyManifest());

  it('has a vertex per node and per source', () => {
    expect(dag.size).toBe(15);
    expect(dag.has('source.p.raw.customers')).toBe(true);
    expect(dag.has('model.p.nope')).toBe(false);
  });

  it.each([
    ['parents', 'model.p.fct_orders', ['model.p.dim_customers', 'model.p.int_orders']],
    [
      'children',
      'model.p.fct_orders',
      ['model.p.report', 'test.p.assert_positive_totals', 'test.p.relationships_fct_orders_customer_id'],
    ],
    ['parents', 'model.p.unknown', []],
  ] as const)('%s(%s)', (method, of, expected) => {
    expect(dag[method](id(of))).toEqual(expected);
  });

  it.each([
    ['ancestors', 'model.p.int_orders', undefined, ['model.p.stg_orders', 'seed.p.countries', 'source.p.raw.orders']],
    ['ancestors', 'model.p.int_orders', 1, ['model.p.stg_orders', 'seed.p.countries']],
    ['descendants', 'model.p.dim_customers', 1, [
      'model.p.fct_orders',
      'test.p.relationships_fct_orders_customer_id',
      'test.p.unique_dim_customers_id',
    ]],
    ['descendants', 'model.p.fct_orders', undefined, [
      'model.p.report',
      'test.p.assert_positive_totals',
      'test.p.relationships_fct_orders_customer_id',
    ]],
  ] as const)('%s(%s, depth %s)', (method, of, depth, expected) => {
    expect([...dag[method](id(of), depth)].sort()).toEqual(expected);
  });

  it('sorts topologically, breaking ties by id', () => {
    expect(dag.topologicalOrder()).toEqual([
      'model.p.old_model',
      'seed.p.countries',
      'source.p.raw.customers',
      'model.p.stg_customers',
      'model.p.dim_customers',
      'source.p.raw.orders',
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

  it('gives the same order whatever the manifest key order', () => {
    const manifest = tinyManifest();
    const reversed = manifestOf(...Object.values(manifest.nodes).reverse(), ...Object.values(manifest.sources).reverse());
    expect(Dag.fromManifest(reversed).topologicalOrder()).toEqual(dag.topologicalOrder());
  });

  it('orders a subset like the whole graph, ignoring unknown ids', () => {
    const subset = ['model.p.report', 'seed.p.countries', 'model.p.nope', 'model.p.stg_orders'].map(id);
    expect(dag.topologicalOrder(subset)).toEqual(['seed.p.countries', 'model.p.stg_orders', 'model.p.report']);
  });

  it('skips dependencies on ids missing from the manifest, and lists them', () => {
    const broken = Dag.fromManifest(manifestOf(model('a', ['ghost']), model('b', ['a'])));
    expect(broken.topologicalOrder()).toEqual(['model.p.a', 'model.p.b']);
    expect(broken.unknownDependencies()).toEqual([{ node: 'model.p.a', dependsOn: 'model.p.ghost' }]);
  });

  it('walks a 20,000-deep chain without overflowing the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => model(`m${String(i).padStart(5, '0')}`, i ? [`m${String(i - 1).padStart(5, '0')}`] : []));
    const deep = Dag.fromManifest(manifestOf(...chain));
    expect(deep.topologicalOrder()).toHaveLength(20_000);
    expect(deep.ancestors(id('model.p.m19999')).size).toBe(19_999);
  });
});

describe('Dag.assertAcyclic', () => {
  it.each([
    [
      'two models',
      [model('a', ['b']), model('b', ['a'])],
      'dependency cycle: model.p.a (models/a.sql) → model.p.b (models/b.sql) → model.p.a (models/a.sql)',
      'models/a.sql',
    ],
    [
      'a self-reference',
      [model('a', ['a'])],
      'dependency cycle: model.p.a (models/a.sql) → model.p.a (models/a.sql)',
      'models/a.sql',
    ],
    [
      'three models behind an acyclic prefix, with a dependent outside the cycle',
      [model('root'), model('x', ['root', 'z']), model('y', ['x']), model('z', ['y']), model('after', ['z'])],
      'dependency cycle: model.p.x (models/x.sql) → model.p.y (models/y.sql) → model.p.z (models/z.sql) → model.p.x (models/x.sql)',
      'models/x.sql',
    ],
  ])('reports the whole cycle: %s', (_, nodes, message, file) => {
    const error = cycleError(Dag.fromManifest(manifestOf(...nodes)));
    expect(error.code).toBe('STR301');
    expect(error.diagnostics[0]).toMatchObject({ message, file });
  });

  it('throws from topologicalOrder too', () => {
    const dag = Dag.fromManifest(manifestOf(model('a', ['b']), model('b', ['a'])));
    expect(() => dag.topologicalOrder()).toThrow(/STR301/);
  });

  it('accepts an acyclic graph', () => {
    expect(() => Dag.fromManifest(tinyManifest()).assertAcyclic()).not.toThrow();
  });
});
