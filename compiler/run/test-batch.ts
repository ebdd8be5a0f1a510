import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteLiteral, quoteRelation, type LiteralValue } from '../adapters/quote.js';
import type { ManifestNode, NodeId } from '../manifest/types.js';
import type { Step } from '../plan/build-plan.js';
import type { RunContext } from './run-context.js';

type Counts = ReadonlyMap<NodeId, number>;

/** One pending query per batch and run: the first test of a batch to start runs it, the others wait for it. */
const runs = new WeakMap<RunContext, Map<string, Promise<Counts>>>();

/**
 * The failure count of a test from its batch's query, or undefined when the test must count alone (no
 * batch, a project override of its macro, or the batch query failed: then each test runs its own query
 * and reports its own error). The count is what the test's own query gives: rows, with `limit`.
 *
 * Timeline of a batch of three tests of `fct_rental`, ready at once after the model:
 *   test A starts → batch query starts (on A's connection) → B, C start and wait for it
 *   → the query returns one row of counts → A, B, C go on to samples and store_failures as alone
 */
export async function batchedFailures(step: Extract<Step, { kind: 'test' }>, context: RunContext, connection: Connection): Promise<number | undefined> {
  if (!step.batch || step.batch.length < 2) return undefined;
  let pending = runs.get(context);
  if (!pending) runs.set(context, (pending = new Map()));
  const key = step.batch.join('\0');
  let counts = pending.get(key);
  if (!counts) {
    const query = batchQuery(context, step.batch);
    counts = query ? runBatch(connection, query) : Promise.resolve(new Map());
    pending.set(key, counts);
  }
  return (await counts).get(step.id);
}

interface BatchQuery {
  sql: string;
  /** The result column of each test in the query. */
  columns: Map<NodeId, string>;
}

async function runBatch(connection: Connection, query: BatchQuery): Promise<Counts> {
  try {
    const result = await connection.query<Record<string, number | string>>(query.sql);
    const row = result.rows[0] ?? {};
    return new Map([...query.columns].map(([id, column]) => [id, Number(row[column] ?? 0)]));
  } catch {
    return new Map();
  }
}

/**
 * One statement answering every test of the batch it can. Tests that look at single rows (not_null,
 * accepted_values, relationships) are aggregates with a FILTER over one scan of the model, the parents
 * of relationships joined in as distinct keys (hash joins, no extra scan of the model); unique tests are
 * grouping sets over a second scan. Each test's `where` filters only its own aggregate.
 *
 * @example (two tests of fct_rental)
 *   select * from (select count(*) filter (where (rental_id) is null) as t0 from "pagila_silver"."fct_rental" as strata_model) as rows_part
 *   cross join (select count(*) filter (where k1 is not null and n > 1) as t1 from (...) as keys) as unique_part
 */
export function batchQuery(context: RunContext, ids: NodeId[]): BatchQuery | undefined {
  const { manifest, renderer } = context.parsed;
  const rowAggregates: string[] = [];
  const joins: string[] = [];
  const uniqueKeys: string[] = [];
  const uniqueAggregates: string[] = [];
  const columns = new Map<NodeId, string>();
  let model: Relation | undefined;
  for (const id of ids) {
    const node = manifest.nodes[id];
    const test = node?.test;
    if (!test?.name || !test.attachedNode || test.columnName === undefined) continue;
    // A project's own test_<name> macro decides its SQL: that test runs alone.
    if (renderer.macros.get(`test_${test.name}`)?.path !== '(builtin)') continue;
    const relation = relationOf(context, test.attachedNode);
    if (!relation || (model && quoteRelation(model) !== quoteRelation(relation))) continue;
    model = relation;
    const column = `t${columns.size}`;
    const value = `(${test.columnName})`;
    const where = typeof node.config.where === 'string' && node.config.where.trim() !== '' ? `(${node.config.where}) and ` : '';
    let aggregate: string | undefined;
    if (test.name === 'not_null') aggregate = `count(*) filter (where ${where}${value} is null)`;
    else if (test.name === 'accepted_values') {
      const list = acceptedList(test.kwargs);
      // The test's rows are the distinct values outside the list.
      if (list) aggregate = `count(distinct ${value}) filter (where ${where}${value} not in (${list}))`;
    } else if (test.name === 'relationships') {
      const parent = parentRelation(context, node, test.kwargs.to);
      const field = typeof test.kwargs.field === 'string' ? test.kwargs.field : undefined;
      if (parent && field) {
        const key = `strata_parent_key_${joins.length}`;
        joins.push(`left join (select distinct ${field} as ${key} from ${quoteRelation(parent)}) as strata_parent_${joins.length} on ${value} = ${key}`);
        aggregate = `count(*) filter (where ${where}${value} is not null and ${key} is null)`;
      }
    } else if (test.name === 'unique') {
      const key = `strata_key_${uniqueKeys.length}`;
      uniqueKeys.push(`case when ${where}true then ${value} end as ${key}`);
      // Each grouping set groups by one key; the other keys are null in its rows.
      uniqueAggregates.push(`count(*) filter (where ${key} is not null and strata_n > 1) as ${column}`);
      columns.set(id, column);
      continue;
    }
    if (!aggregate) continue;
    rowAggregates.push(`${aggregate} as ${column}`);
    columns.set(id, column);
  }
  if (!model || columns.size < 2) return undefined;
  const from = `${quoteRelation(model)} as strata_model`;
  const parts: string[] = [];
  if (rowAggregates.length > 0) parts.push(`(select ${rowAggregates.join(', ')}\nfrom ${from}${joins.map((j) => `\n${j}`).join('')}) as strata_rows`);
  if (uniqueKeys.length > 0) {
    const names = uniqueKeys.map((_, i) => `strata_key_${i}`);
    const grouped = `select ${names.join(', ')}, count(*) as strata_n from (select ${uniqueKeys.join(', ')} from ${from}) as strata_keys group by grouping sets (${names.map((n) => `(${n})`).join(', ')})`;
    parts.push(`(select ${uniqueAggregates.join(', ')} from (${grouped}) as strata_groups) as strata_unique`);
  }
  const select = [...columns].map(([id, column]) => `${cappedColumn(column, manifest.nodes[id])} as ${column}`);
  return { sql: `select ${select.join(', ')}\nfrom ${parts.join('\ncross join ')}`, columns };
}

function relationOf(context: RunContext, id: NodeId): Relation | undefined {
  const node = context.parsed.manifest.nodes[id];
  if (node) return node.config.materialized === 'ephemeral' ? undefined : { schema: node.schema, identifier: node.alias };
  const source = context.parsed.manifest.sources[id];
  return source ? { schema: source.schema, identifier: source.identifier } : undefined;
}

/** `to: ref('dim_customer')` or `source('pagila', 'customer')`, found among the test's dependencies. */
function parentRelation(context: RunContext, node: ManifestNode, to: unknown): Relation | undefined {
  if (typeof to !== 'string') return undefined;
  const ref = /^\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(to);
  const source = /^\s*source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)\s*$/.exec(to);
  for (const id of node.dependsOn.nodes) {
    const parent = context.parsed.manifest.nodes[id];
    if (ref && parent && parent.name === ref[1] && parent.resourceType !== 'test') return relationOf(context, id);
    const table = context.parsed.manifest.sources[id];
    if (source && table && table.sourceName === source[1] && table.name === source[2]) return relationOf(context, id);
  }
  return undefined;
}

/** The `values` of accepted_values as the macro writes them (quoted unless `quote: false`). */
function acceptedList(kwargs: Record<string, unknown>): string | undefined {
  const values = kwargs.values;
  if (!Array.isArray(values) || values.length === 0) return undefined;
  const quote = kwargs.quote === undefined || kwargs.quote === true;
  if (!values.every((v) => v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v))) return undefined;
  return values.map((v) => (quote ? quoteLiteral(v as LiteralValue) : String(v))).join(', ');
}

/** `limit` caps the rows a test's query returns, so it caps its count. */
function cappedColumn(column: string, node: ManifestNode): string {
  return typeof node.config.limit === 'number' ? `least(${column}, ${Math.max(0, Math.floor(node.config.limit))})` : column;
}
