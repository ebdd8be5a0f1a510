/**
 * Quoting for the few places where SQL text has to carry a name or a value. Values normally travel as
 * `$1` parameters; `quoteLiteral` is for DDL spots where parameters are impossible (`COMMENT ON`,
 * `SET search_path`, defaults in generated DDL).
 *
 * Both engines run with `standard_conforming_strings = on` (the default since PostgreSQL 9.1), so a
 * backslash is an ordinary character inside `'...'` and doubling `'` is the only escape needed.
 */

/**
 * Always quotes, so case and reserved words survive: `quoteIdent('Order')` → `"Order"`,
 * `quoteIdent('a"b')` → `"a""b"`.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new TypeError('an SQL identifier cannot be empty');
  if (name.includes('\0')) throw new TypeError(`an SQL identifier cannot contain a NUL character: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A relation in a schema (the adapter interface's `Relation`). */
export interface Relation {
  schema: string;
  identifier: string;
}

/** `quoteRelation({ schema: 'pagila_gold', identifier: 'dim_customer' })` → `"pagila_gold"."dim_customer"`. */
export function quoteRelation(relation: Relation): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.identifier)}`;
}

export type LiteralValue = string | number | bigint | boolean | null;

/**
 * An SQL literal: `quoteLiteral("it's")` → `'it''s'`, `quoteLiteral(null)` → `NULL`,
 * `quoteLiteral(3)` → `3`, `quoteLiteral(true)` → `TRUE`.
 */
export function quoteLiteral(value: LiteralValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} as an SQL literal`);
      return String(value);
    case 'string':
      if (value.includes('\0')) throw new TypeError('an SQL string literal cannot contain a NUL character');
      return `'${value.replaceAll("'", "''")}'`;
  }
}
