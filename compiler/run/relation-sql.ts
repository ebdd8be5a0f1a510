import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../sql/quote.js';

export type RelationKind = 'table' | 'view';

/** Runs `fn` inside a transaction on `connection`; rolls back on any error. */
export async function inTransaction<T>(connection: Connection, fn: () => Promise<T>): Promise<T> {
  await connection.exec('begin');
  try {
    const result = await fn();
    await connection.exec('commit');
    return result;
  } catch (error) {
    await connection.exec('rollback').catch(() => undefined);
    throw error;
  }
}

export async function ensureSchema(connection: Connection, schema: string): Promise<void> {
  const found = await connection.query('select 1 from pg_namespace where nspname = $1', [schema]);
  if (found.rows.length === 0) await connection.exec(`create schema if not exists ${quoteIdent(schema)}`);
}

/**
 * Creates the schemas a run writes to, one after another, before any node starts: parallel nodes
 * creating the same schema at once can fail even with `if not exists` (a duplicate key on
 * pg_namespace_nspname_index). Another session winning that race is fine: the schema exists.
 *
 * @example await createSchemas(connection, ['pagila', 'pagila_bronze'])
 */
export async function createSchemas(connection: Connection, schemas: Iterable<string>): Promise<void> {
  const wanted = [...new Set(schemas)];
  if (wanted.length === 0) return;
  const found = await connection.query<{ nspname: string }>('select nspname from pg_namespace where nspname = any($1::text[])', [wanted]);
  const existing = new Set(found.rows.map((row) => row.nspname));
  for (const schema of wanted.filter((name) => !existing.has(name))) {
    try {
      await connection.exec(`create schema if not exists ${quoteIdent(schema)}`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') throw error;
    }
  }
}

/** What `relation` is in the database now, if anything. */
export async function relationKind(connection: Connection, relation: Relation): Promise<RelationKind | undefined> {
  const result = await connection.query<{ relkind: string }>(
    `select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2`,
    [relation.schema, relation.identifier],
  );
  const kind = result.rows[0]?.relkind;
  if (kind === 'r' || kind === 'p') return 'table';
  if (kind === 'v' || kind === 'm') return 'view';
  return undefined;
}

/** Which of `relations` exist, by `schema.identifier`. One query. */
export async function existingRelations(connection: Connection, relations: Relation[]): Promise<Set<string>> {
  if (relations.length === 0) return new Set();
  const result = await connection.query<{ schema: string; name: string }>(
    `select n.nspname as schema, c.relname as name
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p', 'v', 'm', 'f')
       and (n.nspname, c.relname) in (select * from unnest($1::text[], $2::text[]))`,
    [relations.map((r) => r.schema), relations.map((r) => r.identifier)],
  );
  return new Set(result.rows.map((row) => `${row.schema}.${row.name}`));
}

interface DependentView {
  schema: string;
  name: string;
  materialized: boolean;
  definition: string;
}

/** Every view depending on `relation`, directly or through other views, outermost last. */
async function dependentViews(connection: Connection, relation: Relation): Promise<DependentView[]> {
  // Definitions are read with an empty search path so that every name in them is schema-qualified.
  const saved = await connection.query<{ path: string }>(`select current_setting('search_path') as path`);
  await connection.query(`select set_config('search_path', 'pg_catalog', true)`);
  try {
    const result = await connection.query<DependentView & { depth: number }>(
      `with recursive deps(oid, depth) as (
         select r.ev_class, 1
         from pg_depend d join pg_rewrite r on r.oid = d.objid
         where d.classid = 'pg_rewrite'::regclass and d.refobjid = $1::regclass and r.ev_class <> $1::regclass
         union
         select r.ev_class, deps.depth + 1
         from deps
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.refobjid = deps.oid
         join pg_rewrite r on r.oid = d.objid
         where r.ev_class <> deps.oid
       )
       select n.nspname as schema, c.relname as name, c.relkind = 'm' as materialized,
              pg_get_viewdef(c.oid) as definition, max(deps.depth) as depth
       from deps join pg_class c on c.oid = deps.oid join pg_namespace n on n.oid = c.relnamespace
       group by c.oid, n.nspname, c.relname, c.relkind
       order by max(deps.depth), n.nspname, c.relname`,
      [quoteRelation(relation)],
    );
    return result.rows;
  } finally {
    await connection.query(`select set_config('search_path', $1, true)`, [saved.rows[0]?.path ?? '"$user", public']);
  }
}

/** "STRA", "SWAP": the advisory lock key pair that orders relation swaps. */
const SWAP_LOCK_KEYS = '1398035009, 1398227280';

/**
 * Replaces `target` by `replacement` (already built, same schema) inside the caller's transaction:
 *
 *   capture views depending on target → rename target to backup → rename replacement to target →
 *   rebind each dependent view to the new relation (create or replace, keeping its grants) →
 *   move other tables' foreign keys to backup off it → drop backup → add those keys back, now
 *   referencing the new table (validated; see restoreForeignKeys).
 *
 * A dependent view that no longer fits (a column it reads is gone) is dropped with the backup and
 * re-created from its definition when possible; otherwise the returned notices say it was dropped.
 * dbt drops dependent views with CASCADE; we keep them.
 */
export async function swapRelation(
  connection: Connection,
  target: Relation,
  replacement: Relation,
  replacementKind: RelationKind,
  backupName: string,
): Promise<string[]> {
  const notices: string[] = [];
  const existing = await relationKind(connection, target);
  const alter = (kind: RelationKind) => (kind === 'view' ? 'alter view' : 'alter table');
  if (!existing) {
    await connection.exec(`${alter(replacementKind)} ${quoteRelation(replacement)} rename to ${quoteIdent(target.identifier)}`);
    return notices;
  }
  // Swaps of one run take turns from here to their commit: two seeds (or models) read by one view
  // would otherwise both re-point it at once, and one of them fails with a deadlock or with
  // "could not open relation with OID" (threads > 1 over an existing schema). A transaction-scoped
  // advisory lock, in the two-key space (the target lock uses one key), is released by the commit.
  await connection.query(`select pg_advisory_xact_lock(${SWAP_LOCK_KEYS})`);
  const dependents = await dependentViews(connection, target);
  const backup = { schema: target.schema, identifier: backupName };
  await connection.exec(`${alter(existing)} ${quoteRelation(target)} rename to ${quoteIdent(backupName)}`);
  await connection.exec(`${alter(replacementKind)} ${quoteRelation(replacement)} rename to ${quoteIdent(target.identifier)}`);

  const broken: DependentView[] = [];
  for (const view of dependents) {
    if (view.materialized) {
      broken.push(view);
      continue;
    }
    await connection.exec('savepoint strata_rebind');
    try {
      await connection.exec(
        `create or replace view ${quoteRelation({ schema: view.schema, identifier: view.name })} as ${view.definition}`,
      );
      await connection.exec('release savepoint strata_rebind');
    } catch {
      await connection.exec('rollback to savepoint strata_rebind');
      broken.push(view);
    }
  }
  // Foreign keys of other tables that reference the old table follow it (they hold its OID, not its
  // name) and would stop its drop (2BP01): they are moved onto the new table before the drop.
  const inbound = existing === 'table' ? await inboundForeignKeys(connection, backup) : [];
  for (const key of inbound) {
    await connection.exec(`alter table ${quoteRelation(key.table)} drop constraint ${quoteIdent(key.name)}`);
  }
  const drop = existing === 'view' ? 'drop view' : 'drop table';
  await connection.exec(`${drop} ${quoteRelation(backup)}${broken.length > 0 ? ' cascade' : ''}`);
  if (inbound.length > 0) notices.push(...(await restoreForeignKeys(connection, target, replacementKind, inbound)));
  for (const view of broken) {
    const relation = quoteRelation({ schema: view.schema, identifier: view.name });
    await connection.exec('savepoint strata_recreate');
    try {
      await connection.exec(`create ${view.materialized ? 'materialized view' : 'view'} ${relation} as ${view.definition}`);
      await connection.exec('release savepoint strata_recreate');
      notices.push(`re-created dependent view ${view.schema}.${view.name}`);
    } catch (error) {
      await connection.exec('rollback to savepoint strata_recreate');
      notices.push(
        `dropped dependent view ${view.schema}.${view.name}: it no longer fits ${target.schema}.${target.identifier} (${(error as Error).message}); rebuild it`,
      );
    }
  }
  return notices;
}

/** A foreign key of another table that references the relation being replaced. */
interface InboundForeignKey {
  table: Relation;
  name: string;
  /** `foreign key (a, b) references %TARGET% (x, y) on delete ...`: `%TARGET%` is the new table. */
  definition: string;
  validated: boolean;
}

/**
 * Foreign keys of other tables that reference `backup` (the old table, already renamed), their
 * definitions rewritten to reference the new table, which now has the old table's name.
 */
async function inboundForeignKeys(connection: Connection, backup: Relation): Promise<InboundForeignKey[]> {
  const result = await connection.query<{
    schema: string;
    table: string;
    name: string;
    columns: string[];
    ref_columns: string[];
    match: string;
    on_update: string;
    on_delete: string;
    deferrable: boolean;
    deferred: boolean;
    validated: boolean;
  }>(
    `select n.nspname as schema, c.relname as "table", k.conname as name,
            array(select a.attname::text from unnest(k.conkey) with ordinality u(attnum, i)
                  join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.attnum order by u.i) as columns,
            array(select a.attname::text from unnest(k.confkey) with ordinality u(attnum, i)
                  join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.attnum order by u.i) as ref_columns,
            k.confmatchtype::text as match, k.confupdtype::text as on_update, k.confdeltype::text as on_delete,
            k.condeferrable as deferrable, k.condeferred as deferred, k.convalidated as validated
     from pg_constraint k
     join pg_class c on c.oid = k.conrelid
     join pg_namespace n on n.oid = c.relnamespace
     where k.contype = 'f' and k.confrelid = $1::regclass and k.conrelid <> k.confrelid
     order by n.nspname, c.relname, k.conname`,
    [quoteRelation(backup)],
  );
  const actions: Record<string, string> = { r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };
  return result.rows.map((row) => {
    const tail = [
      row.match === 'f' ? ' match full' : '',
      actions[row.on_update] ? ` on update ${actions[row.on_update]}` : '',
      actions[row.on_delete] ? ` on delete ${actions[row.on_delete]}` : '',
      row.deferrable ? ` deferrable initially ${row.deferred ? 'deferred' : 'immediate'}` : '',
    ].join('');
    return {
      table: { schema: row.schema, identifier: row.table },
      name: row.name,
      validated: row.validated,
      definition: `foreign key (${row.columns.map(quoteIdent).join(', ')}) references %TARGET% (${row.ref_columns.map(quoteIdent).join(', ')})${tail}`,
    };
  });
}

/**
 * Adds each inbound foreign key back, now referencing `target` (the new table), inside the swap's
 * transaction: `not valid` first (no scan), then `validate constraint` in a savepoint. Rows of the
 * referencing table whose keys the new table lacks leave the constraint in place but not validated
 * (it still checks every new row), with a notice; rebuilding that table validates it again. A new
 * table without a primary key or unique constraint on the referenced columns cannot carry the key:
 * it is dropped with a notice.
 */
async function restoreForeignKeys(
  connection: Connection,
  target: Relation,
  kind: RelationKind,
  keys: InboundForeignKey[],
): Promise<string[]> {
  const notices: string[] = [];
  for (const key of keys) {
    const where = `foreign key ${key.name} of ${key.table.schema}.${key.table.identifier}`;
    if (kind === 'view') {
      notices.push(`dropped ${where}: ${target.schema}.${target.identifier} is now a view; rebuild ${key.table.identifier}`);
      continue;
    }
    const definition = key.definition.replace('%TARGET%', quoteRelation(target));
    await connection.exec('savepoint strata_fkey');
    try {
      await connection.exec(`alter table ${quoteRelation(key.table)} add constraint ${quoteIdent(key.name)} ${definition} not valid`);
      await connection.exec('release savepoint strata_fkey');
    } catch (error) {
      await connection.exec('rollback to savepoint strata_fkey');
      notices.push(`dropped ${where}: it no longer fits ${target.schema}.${target.identifier} (${(error as Error).message}); rebuild ${key.table.identifier}`);
      continue;
    }
    if (!key.validated) continue;
    await connection.exec('savepoint strata_fkey');
    try {
      await connection.exec(`alter table ${quoteRelation(key.table)} validate constraint ${quoteIdent(key.name)}`);
      await connection.exec('release savepoint strata_fkey');
    } catch (error) {
      await connection.exec('rollback to savepoint strata_fkey');
      notices.push(
        `${where} is kept but not validated: ${(error as Error).message}; it checks new rows, and rebuilding ${key.table.identifier} validates it again`,
      );
    }
  }
  return notices;
}
