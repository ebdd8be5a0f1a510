import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteLiteral, quoteRelation, type LiteralValue } from '../sql/quote.js';
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
  // Under --empty each test reads its model as an empty subquery: its own query says so, a batch would not.
  if (!step.batch || step.batch.length < 2 || context.empty) return undefined;
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
 * accepted_values) are aggregates with a FILTER over one scan of the model, where each used to scan it
 * alone; unique and relationships tests, which group or join the whole relation, are their own query as
 * a scalar subquery of the same statement (one hash aggregate or hash join each, as alone: sharing them
 * with the scan made Postgres hash the parents' keys once per parallel worker). Each test's `where`
 * filters only its own part.
 *
 * @example (three tests of fct_rental)
 *   select least(t0, 500) as t0, t1, t2 from (select count(*) filter (where (rental_id) is null) as t0,
 *     count(*) filter (where (customer_id) is null) as t1,
 *     (select count(*) from (select rental_id ... group by rental_id having count(*) > 1) as strata_dupes) as t2
 *   from "pagila_silver"."fct_rental" as strata_model) as strata_counts
 */
export function batchQuery(context: RunContext, ids: NodeId[]): BatchQuery | undefined {
  const { manifest, renderer } = context.parsed;
  const parts: string[] = [];
  const columns = new Map<NodeId, string>();
  let model: Relation | undefined;
  let scans = false;
  for (const id of ids) {
    const node = manifest.nodes[id];
    const test = node?.test;
    if (!test?.name || !test.attachedNode || test.columnName === undefined) continue;
    // A project's own test_<name> macro decides its SQL: that test runs alone.
    if (renderer.macros.get(`test_${test.name}`)?.path !== '(builtin)') continue;
    const relation = relationOf(context, test.attachedNode);
    if (!relation || (model && quoteRelation(model) !== quoteRelation(relation))) continue;
    const from = `${quoteRelation(relation)} as strata_model`;
    const value = `(${test.columnName})`;
    const where = typeof node.config.where === 'string' && node.config.where.trim() !== '' ? `(${node.config.where}) and ` : '';
    let part: string | undefined;
    if (test.name === 'not_null') {
      part = `count(*) filter (where ${where}${value} is null)`;
      scans = true;
    } else if (test.name === 'accepted_values') {
      const list = acceptedList(test.kwargs);
      // The test's rows are the distinct values outside the list.
      if (list) part = `count(distinct ${value}) filter (where ${where}${value} not in (${list}))`;
      scans ||= list !== undefined;
    } else if (test.name === 'unique') {
      part = `(select count(*) from (select ${value} from ${from} where ${where}${value} is not null group by ${value} having count(*) > 1) as strata_dupes)`;
    } else if (test.name === 'relationships') {
      const parent = parentRelation(context, node, test.kwargs.to);
      const field = typeof test.kwargs.field === 'string' ? test.kwargs.field : undefined;
      if (parent && field) {
        part =
          `(select count(*) from (select ${value} as from_field from ${from} where ${where}${value} is not null) as child ` +
          `left join (select ${field} as to_field from ${quoteRelation(parent)}) as parent on child.from_field = parent.to_field where parent.to_field is null)`;
      }
    }
    if (!part) continue;
    model = relation;
    const column = `t${columns.size}`;
    parts.push(`${part} as ${column}`);
    columns.set(id, column);
  }
  if (!model || columns.size < 2) return undefined;
  // Subqueries alone need no FROM; beside the scan's aggregates they are computed once (InitPlans).
  const inner = `select ${parts.join(',\n  ')}${scans ? `\nfrom ${quoteRelation(model)} as strata_model` : ''}`;
  const select = [...columns].map(([id, column]) => `${cappedColumn(column, manifest.nodes[id])} as ${column}`);
  return { sql: `select ${select.join(', ')}\nfrom (${inner}) as strata_counts`, columns };
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
    // An unpinned ref of a versioned model is its latest version.
    const latest = parent?.version === undefined || String(parent.version) === String(parent.latestVersion);
    if (ref && parent && parent.name === ref[1] && latest && parent.resourceType !== 'test') return relationOf(context, id);
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
