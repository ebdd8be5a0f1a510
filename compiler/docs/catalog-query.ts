/**
 * What the target's own catalog (pg_catalog) says about the relations a project builds or reads:
 * columns with their types and comments, the table's comment and owner, row counts, sizes and indexes.
 * One query per kind of fact for all schemas at once, the same SQL on PGlite and Postgres.
 */
import type { Adapter } from '../adapters/adapter.js';
import { quoteLiteral } from '../sql/quote.js';

export interface CatalogColumn {
  name: string;
  /** 1-based position, as `attnum`. */
  index: number;
  /** `format_type()`: `integer`, `character varying(45)`, `numeric(5,2)`. */
  type: string;
  comment: string | null;
}

export interface CatalogRelation {
  schema: string;
  name: string;
  /** `BASE TABLE`, `VIEW`, `MATERIALIZED VIEW`, `FOREIGN TABLE`, as information_schema names them. */
  type: string;
  comment: string | null;
  owner: string | null;
  columns: CatalogColumn[];
  /**
   * Rows as the statistics estimate them (tables only): the larger of the live-tuple count and
   * `reltuples` (set by CREATE INDEX, ANALYZE, VACUUM). An estimate, never a `count(*)` of every table.
   */
  rowCount: number | null;
  /** Table, indexes and TOAST, in bytes (tables only). */
  bytes: number | null;
  /** `CREATE INDEX` statements, as `pg_indexes.indexdef`. */
  indexes: string[];
}

/** `schema.name` (unquoted, as stored) → what the catalog says about it. */
export type CatalogRelations = Map<string, CatalogRelation>;

export const relationKey = (schema: string, name: string): string => `${schema}.${name}`;

/**
 * Reads the relations of `schemas` from the target.
 *
 * @example (await readCatalog(adapter, ['pagila_gold'])).get('pagila_gold.gold_customer_metrics')?.columns[0]
 *   // { name: 'customer_id', index: 1, type: 'integer', comment: null }
 */
export async function readCatalog(adapter: Adapter, schemas: readonly string[]): Promise<CatalogRelations> {
  const relations: CatalogRelations = new Map();
  if (schemas.length === 0) return relations;
  const inSchemas = `n.nspname in (${[...new Set(schemas)].map((s) => quoteLiteral(s)).join(', ')})`;
  const tables = await adapter.query<TableRow>(`
    select n.nspname as schema_name, c.relname as relation_name,
      case c.relkind when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW' when 'f' then 'FOREIGN TABLE' else 'BASE TABLE' end as relation_type,
      obj_description(c.oid, 'pg_class') as relation_comment,
      pg_get_userbyid(c.relowner) as relation_owner,
      case when c.relkind in ('r', 'p', 'm') then greatest(coalesce(s.n_live_tup, 0)::float8, c.reltuples::float8, 0) end as row_count,
      case when c.relkind in ('r', 'p', 'm') then pg_total_relation_size(c.oid)::float8 end as total_bytes
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_stat_all_tables s on s.relid = c.oid
    where c.relkind in ('r', 'p', 'v', 'm', 'f') and ${inSchemas}`);
  for (const row of tables.rows) {
    relations.set(relationKey(row.schema_name, row.relation_name), {
      schema: row.schema_name,
      name: row.relation_name,
      type: row.relation_type,
      comment: row.relation_comment,
      owner: row.relation_owner,
      columns: [],
      rowCount: row.row_count === null ? null : Number(row.row_count),
      bytes: row.total_bytes === null ? null : Number(row.total_bytes),
      indexes: [],
    });
  }
  const columns = await adapter.query<ColumnRow>(`
    select n.nspname as schema_name, c.relname as relation_name, a.attname as column_name, a.attnum as column_index,
      format_type(a.atttypid, a.atttypmod) as column_type, col_description(c.oid, a.attnum) as column_comment
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    where a.attnum > 0 and not a.attisdropped and c.relkind in ('r', 'p', 'v', 'm', 'f') and ${inSchemas}
    order by n.nspname, c.relname, a.attnum`);
  for (const row of columns.rows) {
    relations.get(relationKey(row.schema_name, row.relation_name))?.columns.push({
      name: row.column_name,
      index: Number(row.column_index),
      type: row.column_type,
      comment: row.column_comment,
    });
  }
  const indexes = await adapter.query<IndexRow>(`
    select n.nspname as schema_name, t.relname as relation_name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where ${inSchemas}
    order by 1, 2, 3`);
  for (const row of indexes.rows) relations.get(relationKey(row.schema_name, row.relation_name))?.indexes.push(row.definition);
  return relations;
}

interface TableRow {
  schema_name: string;
  relation_name: string;
  relation_type: string;
  relation_comment: string | null;
  relation_owner: string | null;
  row_count: number | string | null;
  total_bytes: number | string | null;
}

interface ColumnRow {
  schema_name: string;
  relation_name: string;
  column_name: string;
  column_index: number | string;
  column_type: string;
  column_comment: string | null;
}

interface IndexRow {
  schema_name: string;
  relation_name: string;
  definition: string;
}
