/**
 * `persist_docs: {relation: true, columns: true}`: the YAML descriptions become database comments
 * (`comment on table|view`, `comment on column`), in the node's own transaction after its relation is
 * in place, so a rebuilt table never shows up without them. As in dbt: the relation's comment only
 * when it has a description; every YAML column the relation has gets its description (an empty one
 * clears an old comment); YAML columns the relation lacks are skipped.
 */
import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteIdent, quoteLiteral, quoteRelation } from '../sql/quote.js';
import type { ManifestNode } from '../manifest/types.js';

/** `{relation, columns}` as booleans; both false when the config is absent or not a mapping. */
export function persistDocsOf(node: ManifestNode): { relation: boolean; columns: boolean } {
  const raw = node.config.persist_docs;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { relation: false, columns: false };
  const config = raw as Record<string, unknown>;
  return { relation: config.relation === true, columns: config.columns === true };
}

/**
 * @example await persistDocs(log, node, { schema: 'analytics', identifier: 'orders' }, 'table')
 *   // comment on table "analytics"."orders" is 'One row per order'; comment on column ... is '...'
 */
export async function persistDocs(connection: Connection, node: ManifestNode, relation: Relation, kind: 'table' | 'view'): Promise<void> {
  const wanted = persistDocsOf(node);
  const target = quoteRelation(relation);
  if (wanted.relation && node.description) {
    await connection.exec(`comment on ${kind} ${target} is ${quoteLiteral(node.description)}`);
  }
  const columns = Object.values(node.columns);
  if (!wanted.columns || columns.length === 0) return;
  const existing = await connection.query<{ name: string }>(
    `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
    [target],
  );
  const names = new Set(existing.rows.map((row) => row.name));
  for (const column of columns) {
    if (!names.has(column.name)) continue;
    await connection.exec(`comment on column ${target}.${quoteIdent(column.name)} is ${quoteLiteral(column.description ?? '')}`);
  }
}
