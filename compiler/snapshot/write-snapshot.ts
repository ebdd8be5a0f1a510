import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../sql/quote.js';
import { relationColumns } from '../run/incremental/relation-columns.js';
import type { SnapshotSettings } from './snapshot-config.js';
import { createSnapshotTable, isCurrent, keyColumns, stagingSelect } from './snapshot-sql.js';

export interface SnapshotWrite {
  /** The first run created the table. */
  created: boolean;
  /** Rows inserted: first versions, new versions, deletion records. */
  inserted: number;
  /** Current versions closed (changed or deleted rows). */
  closed: number;
}

/**
 * One snapshot run, on a connection inside the caller's transaction (so a failure anywhere leaves the
 * history table as it was):
 *
 *   no table → create it from the query (every row a first version)
 *   else     → stage the changes in a temporary table → add the columns the query gained →
 *              close changed and deleted rows (update valid_to) → insert the new versions
 *
 * @example await inTransaction(connection, () => writeSnapshot(connection, target, sql, settings, 'a1b2c3'))
 */
export async function writeSnapshot(
  connection: Connection,
  target: Relation,
  sql: string,
  settings: SnapshotSettings,
  exists: boolean,
  stagingName: string,
): Promise<SnapshotWrite> {
  const table = quoteRelation(target);
  if (!exists) {
    const created = await connection.query(createSnapshotTable(table, sql, settings));
    return { created: true, inserted: created.rowCount ?? 0, closed: 0 };
  }
  const probe = await connection.query(`select * from (\n${sql}\n) as snapshot_query limit 0`);
  const queryColumns = probe.fields.map((field) => field.name);
  const before = await relationColumns(connection, table);
  const staging = quoteIdent(stagingName);
  await connection.exec(
    `create temporary table ${staging} on commit drop as (\n${stagingSelect({
      sql,
      target: table,
      queryColumns,
      targetColumns: new Set(before.map((column) => column.name)),
      settings,
    })}\n)`,
  );

  // As dbt: the columns the query gained since the table was made are added to it (earlier versions hold null).
  const internal = new Set(['dbt_change_type', ...keyColumns(settings)]);
  const staged = (await relationColumns(connection, staging)).filter((column) => !internal.has(column.name));
  const existing = new Set(before.map((column) => column.name));
  for (const column of staged.filter((column) => !existing.has(column.name))) {
    await connection.exec(`alter table ${table} add column ${quoteIdent(column.name)} ${column.type}`);
  }

  const c = settings.columns;
  const closed = await connection.query(
    `update ${table} as snapshot_target\n` +
      `set ${quoteIdent(c.dbt_valid_to)} = staged.${quoteIdent(c.dbt_valid_to)}\n` +
      `from ${staging} as staged\n` +
      `where staged.${quoteIdent(c.dbt_scd_id)}::text = snapshot_target.${quoteIdent(c.dbt_scd_id)}::text\n` +
      `  and staged.dbt_change_type in ('update', 'delete')\n` +
      `  and ${isCurrent(settings, 'snapshot_target')}`,
  );
  const columns = staged.map((column) => quoteIdent(column.name)).join(', ');
  const inserted = await connection.query(
    `insert into ${table} (${columns})\nselect ${columns} from ${staging}\nwhere dbt_change_type = 'insert'`,
  );
  return { created: false, inserted: inserted.rowCount ?? 0, closed: closed.rowCount ?? 0 };
}
