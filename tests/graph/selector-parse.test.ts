import { describe, expect, it } from 'vitest';
import { parseSelector, parseTerm } from '../../compiler/graph/selector-parse.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';

const term = (raw: string, fields: object) => ({
  kind: 'term',
  raw,
  methodArgs: [],
  parents: false,
  children: false,
  childrensParents: false,
  ...fields,
});

describe('parseTerm', () => {
  it.each([
    ['dim_customer', { method: 'default', value: 'dim_customer' }],
    ['stg_*', { method: 'default', value: 'stg_*' }],
    ['models/gold', { method: 'path', value: 'models/gold' }],
    ['path:models/gold/x.sql', { method: 'path', value: 'models/gold/x.sql' }],
    ['tag:gold', { method: 'tag', value: 'gold' }],
    ['config.materialized:table', { method: 'config', methodArgs: ['materialized'], value: 'table' }],
    ['config.meta.owner:ana', { method: 'config', methodArgs: ['meta', 'owner'], value: 'ana' }],
    ['resource_type:source', { method: 'resource_type', value: 'source' }],
    ['source:pagila.customer', { method: 'source', value: 'pagila.customer' }],
    ['test_type:singular', { method: 'test_type', value: 'singular' }],
    ['fqn:pagila.gold.x', { method: 'fqn', value: 'pagila.gold.x' }],
    ['package:pagila', { method: 'package', value: 'pagila' }],
    ['test_name:unique', { method: 'test_name', value: 'unique' }],
    ['state:modified', { method: 'state', value: 'modified' }],
    ['state:modified.body', { method: 'state', value: 'modified.body' }],
    ['+x', { method: 'default', value: 'x', parents: true }],
    ['x+', { method: 'default', value: 'x', children: true }],
    ['2+x', { method: 'default', value: 'x', parents: true, parentsDepth: 2 }],
    ['x+3', { method: 'default', value: 'x', children: true, childrenDepth: 3 }],
    ['1+tag:gold+1', { method: 'tag', value: 'gold', parents: true, parentsDepth: 1, children: true, childrenDepth: 1 }],
    ['@x', { method: 'default', value: 'x', childrensParents: true }],
    ['@source:pagila', { method: 'source', value: 'pagila', childrensParents: true }],
  ])('%s', (raw, fields) => {
    expect(parseTerm(raw)).toEqual(term(raw, fields));
  });
});

describe('parseSelector', () => {
  it('splits values on whitespace (union) and terms on commas (intersection)', () => {
    const tree = parseSelector(['tag:gold,config.materialized:table  stg_x', '+y']);
    expect(tree.kind).toBe('union');
    expect(tree.items.map((item) => [item.raw, item.terms.map((t) => t.raw)])).toEqual([
      ['tag:gold,config.materialized:table', ['tag:gold', 'config.materialized:table']],
      ['stg_x', ['stg_x']],
      ['+y', ['+y']],
    ]);
  });

  it('reads nothing from empty values', () => {
    expect(parseSelector(['', '  '])).toEqual({ kind: 'union', items: [] });
  });
});

describe('selector errors', () => {
  it.each([
    ['an unknown method', 'colour:red', "unknown selector method 'colour' in 'colour:red'"],
    ['a depth with nothing to select', '2+', "malformed selector '2+': there is nothing to select"],
    ['a lone plus', '+', "malformed selector '+'"],
    ['a method with no value', 'tag:', "malformed selector 'tag:'"],
    ['@ with a + prefix', '@+x', "malformed selector '@+x': '@' and a '+' prefix cannot be combined"],
    ['a plus inside the value', 'a+b+', "malformed selector 'a+b+'"],
    ['an empty intersection term', 'a,,b', "malformed selector 'a,,b': an empty term around a comma"],
    ['config without a key', 'config.:x', "malformed selector 'config.:x'"],
    ['an unknown resource type', 'resource_type:widget', "invalid value 'widget' for resource_type in 'resource_type:widget'"],
    ['an unknown test type', 'test_type:data', "invalid value 'data' for test_type"],
    ['an unknown state', 'state:old', "invalid value 'old' for state"],
  ])('%s: %s', (_, raw, message) => {
    let error: unknown;
    try {
      parseSelector([raw]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StrataError);
    const diagnostic = (error as StrataError).diagnostics[0]!;
    expect(diagnostic.code).toBe('STR302');
    expect(diagnostic.message).toContain(message);
    expect(diagnostic.hint).toBeTruthy();
  });

  it('lists the methods in the hint of an unknown method', () => {
    expect(() => parseSelector(['colour:red'])).toThrow(
      'error STR302  unknown selector method \'colour\' in \'colour:red\'  (methods: path, tag, config.<key>, resource_type, source, test_type, fqn, package, test_name, exposure, version, group, access, state, or a bare name, fqn or folder)',
    );
  });
});
