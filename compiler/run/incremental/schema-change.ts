import type { Connection, Relation } from '../../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import type { ManifestNode } from '../../manifest/types.js';
import type { OnSchemaChange } from './incremental-config.js';
import type { RelationColumn } from './relation-columns.js';

export interface SchemaChanges {
  /** In the new rows, not in the table. */
  added: RelationColumn[];
  /** In the table, not in the new rows. */
  removed: RelationColumn[];
  /** In both, with another type in the new rows. */
  retyped: { name: string; from: string; to: string }[];
}

/** How the model's columns (`source`) differ from its table's (`target`), as dbt's `check_for_schema_changes`. */
export function schemaChanges(source: RelationColumn[], target: RelationColumn[]): SchemaChanges {
  const inTarget = new Map(target.map((c) => [c.name, c]));
  const inSource = new Set(source.map((c) => c.name));
  const retyped: SchemaChanges['retyped'] = [];
  for (const column of source) {
    const old = inTarget.get(column.name);
    if (old && old.type !== column.type && !widensTo(column.type, old.type)) retyped.push({ name: column.name, from: old.type, to: column.type });
  }
  return {
    added: source.filter((c) => !inTarget.has(c.name)),
    removed: target.filter((c) => !inSource.has(c.name)),
    retyped,
  };
}

/** A shorter varchar fits a longer one, as dbt's `can_expand_to`: not a change of type. */
function widensTo(from: string, to: string): boolean {
  const size = (type: string) => /^character varying\((\d+)\)$/.exec(type)?.[1];
  const a = size(from);
  const b = size(to);
  if (a !== undefined && (to === 'character varying' || to === 'text')) return true;
  return a !== undefined && b !== undefined && Number(a) <= Number(b);
}

/**
 * Applies `on_schema_change` before the new rows go in, and returns the columns to write:
 *
 *   ignore              the table's columns; the new ones are left out. A column the query no longer has
 *                       is an error (dbt's insert fails on it too)
 *   fail                any difference is an error naming the columns
 *   append_new_columns  `alter table add column` for the new ones; a removed one stays, null in new rows
 *   sync_all_columns    adds the new, drops the removed, changes types (`alter column type ... using`)
 *
 * The statements run in the caller's transaction: a later failure takes them back.
 */
export async function applySchemaChanges(
  connection: Connection,
  node: ManifestNode,
  target: Relation,
  mode: OnSchemaChange,
  source: RelationColumn[],
  current: RelationColumn[],
): Promise<{ columns: string[]; notices: string[] }> {
  const changes = schemaChanges(source, current);
  const table = `${target.schema}.${target.identifier}`;
  const names = (columns: { name: string }[]) => columns.map((c) => c.name).join(', ');
  if (mode === 'ignore') {
    if (changes.removed.length > 0) {
      throw new StrataError({
        code: 'STR415',
        message: `the query of ${node.name} no longer has column(s) ${names(changes.removed)} of ${table} (on_schema_change: ignore)`,
        file: node.path,
        hint: "set on_schema_change to 'append_new_columns' or 'sync_all_columns', or rebuild it with --full-refresh",
      });
    }
    return { columns: current.map((c) => c.name), notices: [] };
  }
  const changed = changes.added.length + changes.removed.length + changes.retyped.length > 0;
  if (mode === 'fail' && changed) {
    const parts = [
      changes.added.length ? `new in the query: ${names(changes.added)}` : '',
      changes.removed.length ? `gone from the query: ${names(changes.removed)}` : '',
      changes.retyped.length ? `new types: ${changes.retyped.map((c) => `${c.name} ${c.from} → ${c.to}`).join(', ')}` : '',
    ].filter(Boolean);
    throw new StrataError({
      code: 'STR416',
      message: `the columns of ${node.name} and of its table ${table} are out of sync (on_schema_change: fail): ${parts.join('; ')}`,
      file: node.path,
      hint: "set on_schema_change to 'append_new_columns' or 'sync_all_columns', or rebuild it with --full-refresh",
    });
  }
  const notices: string[] = [];
  const alter = `alter table ${quoteRelation(target)}`;
  const actions = changes.added.map((c) => `add column ${quoteIdent(c.name)} ${c.type}`);
  if (mode === 'sync_all_columns') {
    actions.push(...changes.removed.map((c) => `drop column ${quoteIdent(c.name)}`));
    actions.push(...changes.retyped.map((c) => `alter column ${quoteIdent(c.name)} type ${c.to} using ${quoteIdent(c.name)}::${c.to}`));
  }
  if (actions.length > 0) await connection.exec(`${alter} ${actions.join(', ')}`);
  if (changes.added.length) notices.push(`added column(s) ${names(changes.added)} to ${table}`);
  if (mode === 'sync_all_columns') {
    if (changes.removed.length) notices.push(`dropped column(s) ${names(changes.removed)} from ${table}`);
    if (changes.retyped.length) notices.push(`changed the type of ${changes.retyped.map((c) => `${c.name} to ${c.to}`).join(', ')} in ${table}`);
  }
  return { columns: source.map((c) => c.name), notices };
}
