import type { Connection, Relation } from '../../adapters/adapter.js';
import type { ManifestNode } from '../../manifest/types.js';

/** What every strategy gets from the materialize handler. */
export interface IncrementalInput {
  /** The handler's connection, inside its transaction (it records the statements for target/run/). */
  connection: Connection;
  node: ManifestNode;
  /** The model's table. */
  target: Relation;
  runId: string;
  /** `create [temporary] table <relation> as (<sql>)`, through a project's `create_table_as` when it has one. */
  createTableAs(relation: Relation, sql: string, temporary: boolean): string;
}

/** The two aliases dbt gives the table and the new rows, so `incremental_predicates` can name them. */
export const DEST = 'DBT_INTERNAL_DEST';
export const SOURCE = 'DBT_INTERNAL_SOURCE';
