import type { Connection } from '../../adapters/adapter.js';

export interface RelationColumn {
  name: string;
  /** As `format_type` prints it: `integer`, `character varying(20)`, `timestamp without time zone`. */
  type: string;
}

/**
 * The columns of a table in order. `relation` is SQL text: a quoted `"schema"."name"`, or the quoted
 * name alone for a temporary table.
 */
export async function relationColumns(connection: Connection, relation: string): Promise<RelationColumn[]> {
  const result = await connection.query<RelationColumn>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
     from pg_attribute a
     where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum`,
    [relation],
  );
  return result.rows;
}
