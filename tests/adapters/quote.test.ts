import { describe, expect, it } from 'vitest';
import { quoteIdent, quoteLiteral, quoteRelation } from '../../compiler/sql/quote.js';

describe('quoteIdent', () => {
  it.each([
    ['orders', '"orders"'],
    ['Order', '"Order"'],
    ['select', '"select"'],
    ['a"b', '"a""b"'],
    ['""', '""""""'],
    ['with space', '"with space"'],
    ['é_ü', '"é_ü"'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdent(name)).toBe(quoted);
  });

  it('rejects an empty name and NUL', () => {
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});

describe('quoteRelation', () => {
  it('quotes both parts', () => {
    expect(quoteRelation({ schema: 'pagila_gold', identifier: 'dim_customer' })).toBe('"pagila_gold"."dim_customer"');
    expect(quoteRelation({ schema: 'My"Schema', identifier: 'T' })).toBe('"My""Schema"."T"');
  });
});

describe('quoteLiteral', () => {
  it.each<[Parameters<typeof quoteLiteral>[0], string]>([
    ["it's", "'it''s'"],
    ['', "''"],
    ['back\\slash', "'back\\slash'"],
    ["''", "''''''"],
    [null, 'NULL'],
    [true, 'TRUE'],
    [false, 'FALSE'],
    [42, '42'],
    [-1.5, '-1.5'],
    [12345678901234567890n, '12345678901234567890'],
  ])('%s → %s', (value, literal) => {
    expect(quoteLiteral(value)).toBe(literal);
  });

  it('rejects values SQL cannot hold as literals', () => {
    expect(() => quoteLiteral(Number.NaN)).toThrow();
    expect(() => quoteLiteral(Number.POSITIVE_INFINITY)).toThrow();
    expect(() => quoteLiteral('a\0')).toThrow(/NUL/);
  });
});
