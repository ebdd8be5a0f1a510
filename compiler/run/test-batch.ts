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
 * batch, a project override of its macro, a unique test whose values are not all distinct, or the batch
 * query failed: then each test runs its own query and reports its own error). The count is what the
 * test's own query gives: rows, with `limit`.
 *
 * Timeline of a batch of three tests of `fct_rental`, ready at once after the model:
 *   test A starts → the types of the unique tests' columns (a `limit 0` query), then the batch query
 *   (on A's connection) → B, C start and wait for it → the query returns one row of counts
 *   → A, B, C go on to samples and store_failures as alone
 */
export async function batchedFailures(step: Extract<Step, { kind: 'test' }>, context: RunContext, connection: Connection): Promise<number | undefined> {
  // Under --empty each test reads its model as an empty subquery: its own query says so, a batch would not.
  if (!step.batch || step.batch.length < 2 || context.empty || !batchesOn(context)) return undefined;
  let pending = runs.get(context);
  if (!pending) runs.set(context, (pending = new Map()));
  const key = step.batch.join('\0');
  let counts = pending.get(key);
  if (!counts) {
    counts = runBatch(context, connection, step.batch);
    pending.set(key, counts);
  }
  return (await counts).get(step.id);
}

/** The project var that turns the shared statement off (`--vars '{strata_batch_data_tests: false}'`): each test runs its own query. */
export const BATCH_VAR = 'strata_batch_data_tests';

function batchesOn(context: RunContext): boolean {
  const value = context.parsed.project.vars[BATCH_VAR];
  return value !== false && String(value).toLowerCase() !== 'false';
}

interface BatchQuery {
  sql: string;
  /** The result column of each test in the query; a null in it means "count this test alone". */
  columns: Map<NodeId, string>;
}

/** The batch's counts; a test missing from them counts alone (the query failed, or a unique test found duplicates). */
async function runBatch(context: RunContext, connection: Connection, ids: NodeId[]): Promise<Counts> {
  try {
    const probe = keyTypesQuery(context, ids);
    const keyTypes = new Map<NodeId, number>();
    if (probe) {
      const fields = (await connection.query(probe.sql)).fields;
      for (const [id, column] of probe.columns) {
        const field = fields.find((f) => f.name === column);
        if (field) keyTypes.set(id, field.dataTypeID);
      }
    }
    const query = batchQuery(context, ids, keyTypes);
    if (!query) return new Map();
    const result = await connection.query<Record<string, number | string | null>>(query.sql);
    const row = result.rows[0] ?? {};
    const counts = new Map<NodeId, number>();
    for (const [id, column] of query.columns) {
      const value = row[column];
      if (value !== null && value !== undefined) counts.set(id, Number(value));
    }
    return counts;
  } catch {
    return new Map();
  }
}

/** A test of the batch as the batch query sees it: its column expression and its own `where`, if any. */
interface BatchedTest {
  id: NodeId;
  node: ManifestNode;
  name: string;
  /** `(column_name)`: the test's column, an expression in general. */
  value: string;
  /** `(<where>) and `, or ''. */
  where: string;
}

/** The tests of `ids` one statement can answer, all on one relation: built-in macros, a model that is not ephemeral. */
function batchedTests(context: RunContext, ids: NodeId[]): { model: Relation; tests: BatchedTest[] } | undefined {
  const { manifest, renderer } = context.parsed;
  const tests: BatchedTest[] = [];
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
    const where = typeof node.config.where === 'string' && node.config.where.trim() !== '' ? `(${node.config.where}) and ` : '';
    tests.push({ id, node, name: test.name, value: `(${test.columnName})`, where });
  }
  return model && tests.length >= 2 ? { model, tests } : undefined;
}

/**
 * A statement that plans, and returns no row, with the column of each unique test of the batch: the
 * driver reports the type of each (`fields`), which decides how the batch query looks for duplicates.
 */
export function keyTypesQuery(context: RunContext, ids: NodeId[]): BatchQuery | undefined {
  const batch = batchedTests(context, ids);
  const keys = batch?.tests.filter((t) => t.name === 'unique') ?? [];
  if (!batch || keys.length === 0) return undefined;
  const columns = new Map(keys.map((t, i) => [t.id, `k${i}`]));
  const select = keys.map((t) => `${t.value} as ${columns.get(t.id)}`).join(', ');
  return { sql: `select ${select} from ${quoteRelation(batch.model)} as strata_model limit 0`, columns };
}

/**
 * Built-in types whose values compare as plain binary values, without a collation: duplicates among
 * them are found by sorting the values themselves. Any other type (text and its collations, arrays,
 * records, types of extensions) is compared through its hash (see batchQuery).
 */
const PLAIN_ORDER_TYPES: ReadonlySet<number> = new Set([
  16, // boolean
  20, // bigint
  21, // smallint
  23, // integer
  26, // oid
  700, // real
  701, // double precision
  1082, // date
  1083, // time
  1114, // timestamp
  1184, // timestamptz
  1186, // interval
  1266, // timetz
  1700, // numeric
  2950, // uuid
]);

/**
 * One statement answering every test of the batch it can, over one scan of the model where it can:
 *
 * - not_null and accepted_values look at single rows: an aggregate with a FILTER each.
 * - unique: the values are all distinct when there are as many of them as distinct ones, so
 *   `count(v) = count(distinct v)` in the same scan proves the test passes (0 failures). When it does
 *   not hold, the column is null and the test counts its duplicates with its own query (it fails, and
 *   shows its rows anyway). `count(distinct)` sorts; a sort of keys already nearly in order is
 *   cheap, where the test's own `group by` builds a hash table of every key that spills to disk at the
 *   default work_mem (Pagila at scale 100: 0.3 s instead of 1.2 to 1.8 s for 1.6 million integer keys).
 *   Values of a type with a collation (text) would be sorted by it, which can cost more than the hash
 *   table: those are counted by `hash_array_extended(array[v], 0)`, the hash Postgres itself groups
 *   them by (equal values under the column's collation hash alike), so distinct hashes still prove
 *   distinct values, and a collision of hashes only sends the test to its own query.
 * - relationships joins another relation: its own query as a scalar subquery of the statement (one
 *   hash anti-join, as alone; sharing it with the scan made Postgres hash the parent's keys once per
 *   parallel worker).
 *
 * Each test's `where` filters only its own part. `keyTypes`: the type OID of each unique test's column
 * (keyTypesQuery); a unique test without one is counted by hash.
 *
 * @example (three tests of fct_rental)
 *   select least(t0, 500) as t0, t1, t2 from (select count(*) filter (where (rental_id) is null) as t0,
 *     count(*) filter (where (customer_id) is null) as t1,
 *     case when count(*) filter (where (rental_id) is not null)
 *       = count(distinct (rental_id)) filter (where (rental_id) is not null) then 0 end as t2
 *   from "pagila_silver"."fct_rental" as strata_model) as strata_counts
 */
export function batchQuery(context: RunContext, ids: NodeId[], keyTypes: ReadonlyMap<NodeId, number> = new Map()): BatchQuery | undefined {
  const batch = batchedTests(context, ids);
  if (!batch) return undefined;
  const parts: string[] = [];
  const columns = new Map<NodeId, string>();
  const select: string[] = [];
  let scans = false;
  for (const { id, node, name, value, where } of batch.tests) {
    const test = node.test!;
    let part: string | undefined;
    if (name === 'not_null') {
      part = `count(*) filter (where ${where}${value} is null)`;
    } else if (name === 'accepted_values') {
      const list = acceptedList(test.kwargs);
      // The test's rows are the distinct values outside the list.
      if (list) part = `count(distinct ${value}) filter (where ${where}${value} not in (${list}))`;
    } else if (name === 'unique') {
      const type = keyTypes.get(id);
      const key = type !== undefined && PLAIN_ORDER_TYPES.has(type) ? value : `hash_array_extended(array[${value}], 0)`;
      const present = `filter (where ${where}${value} is not null)`;
      part = `case when count(*) ${present} = count(distinct ${key}) ${present} then 0 end`;
    } else if (name === 'relationships') {
      const parent = parentRelation(context, node, test.kwargs.to);
      const field = typeof test.kwargs.field === 'string' ? test.kwargs.field : undefined;
      if (parent && field) {
        part =
          `(select count(*) from (select ${value} as from_field from ${quoteRelation(batch.model)} as strata_model where ${where}${value} is not null) as child ` +
          `left join (select ${field} as to_field from ${quoteRelation(parent)}) as parent on child.from_field = parent.to_field where parent.to_field is null)`;
      }
    }
    if (!part) continue;
    scans ||= name !== 'relationships';
    const column = `t${columns.size}`;
    parts.push(`${part} as ${column}`);
    columns.set(id, column);
    // A unique test's column is 0 or null (unknown), which `limit` does not change.
    select.push(`${name === 'unique' ? column : cappedColumn(column, node)} as ${column}`);
  }
  if (columns.size < 2) return undefined;
  // Subqueries alone need no FROM; beside the scan's aggregates they are computed once (InitPlans).
  const inner = `select ${parts.join(',\n  ')}${scans ? `\nfrom ${quoteRelation(batch.model)} as strata_model` : ''}`;
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
