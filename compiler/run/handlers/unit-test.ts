import type { Connection } from '../../adapters/adapter.js';
import { quoteIdent } from '../../sql/quote.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import type { ManifestNode, UnitTestInput } from '../../manifest/types.js';
import type { Step } from '../../plan/build-plan.js';
import { compileUnitTest, declaredInputColumns, inputRelation, rowsSql, type InputColumn } from '../../render/compile-unit-test.js';
import { queryColumns, type ActualColumn } from '../contract.js';
import type { UnitDiff } from '../events.js';
import type { RunContext, StepOutcome } from '../run-context.js';
import { withStatement } from './materialize.js';

/** How many differing rows of each kind (missing, extra) a failed unit test reports. */
export const DIFF_ROWS = 20;

/**
 * Runs a unit test: the model's SQL over the given literal rows, compared with the expected rows as a
 * multiset (each row as often as it occurs; order does not matter) on the columns `expect` names.
 * The comparison runs in the database, on the model's own column types, so `20` equals `20.00` and
 * `'2005-05-24'` equals a date. Nothing is created in the database.
 *
 *   compile (inputs as CTEs) → read the query's column types → expected rows cast to them →
 *   expected EXCEPT ALL actual (missing rows) and actual EXCEPT ALL expected (extra rows)
 */
export async function runUnitTest(step: Extract<Step, { kind: 'unit' }>, context: RunContext): Promise<StepOutcome> {
  const node = context.parsed.manifest.nodes[step.id];
  const meta = node.unitTest!;
  return context.adapter.withConnection(async (connection) => {
    const known = await inputColumns(connection, context, node, meta.given);
    const sql = compileUnitTest(context.parsed, node.id, (input) => known.get(input) ?? []);
    const compiledPath = context.writeCompiled(node, sql);

    const actual = await queryColumns(connection, sql).catch((error: unknown) => {
      throw unknownColumnHint(error, node) ?? error;
    });
    const compared = comparedColumns(node, actual);
    const diffSql = diffQuery(sql, meta.expect, compared);
    const rows = (await connection.query<Record<string, unknown>>(diffSql).catch(withStatement(diffSql))).rows;
    context.writeRun(node, `${diffSql};\n`);

    const diff: UnitDiff = { missing: [], extra: [] };
    for (const { strata_diff: kind, ...row } of rows) (kind === 'missing' ? diff.missing : diff.extra).push(row);
    const failures = diff.missing.length + diff.extra.length;
    if (failures === 0) return { status: 'pass', materialized: 'unit_test', message: 'PASS', failures: 0, compiledPath };
    const parts = [
      diff.missing.length > 0 ? `${diff.missing.length} expected ${diff.missing.length === 1 ? 'row' : 'rows'} missing` : '',
      diff.extra.length > 0 ? `${diff.extra.length} unexpected ${diff.extra.length === 1 ? 'row' : 'rows'}` : '',
    ].filter(Boolean);
    return {
      status: 'fail',
      materialized: 'unit_test',
      message: `actual differs from expected: ${parts.join(', ')}`,
      failures,
      compiledPath,
      unitDiff: { missing: diff.missing.slice(0, DIFF_ROWS), extra: diff.extra.slice(0, DIFF_ROWS) },
    };
  });
}

/** An unknown column in a unit test is most often a column no input row names: say where inputs get theirs. */
function unknownColumnHint(error: unknown, node: ManifestNode): StrataError | undefined {
  const { code, message } = error as { code?: string; message?: string };
  if (code !== '42703') return undefined;
  const at = node.unitTest!.position;
  return new StrataError({
    code: 'STR243',
    message: `unit test '${node.name}': database error 42703: ${message ?? 'unknown column'}`,
    file: at.file,
    line: at.line,
    column: at.column,
    hint: "an input's columns are those its rows name, its YAML columns, and those of its relation once built: name the column in a row (null will do)",
  });
}

/**
 * Each input's declared columns, completed by the columns of its relation in the database where it
 * exists: the relations of all inputs are read in one query.
 */
async function inputColumns(connection: Connection, context: RunContext, node: ManifestNode, inputs: UnitTestInput[]): Promise<Map<UnitTestInput, InputColumn[]>> {
  const known = new Map(inputs.map((input) => [input, declaredInputColumns(context.parsed, node, input)]));
  const read = inputs.flatMap((input) => {
    const relation = inputRelation(context.parsed, node, input);
    return relation ? [{ input, name: `${quoteIdent(relation.schema)}.${quoteIdent(relation.identifier)}` }] : [];
  });
  if (read.length === 0) return known;
  const found = await connection.query<{ n: number; name: string; type: string }>(
    `select r.n::int as n, a.attname as "name", format_type(a.atttypid, a.atttypmod) as "type"
     from unnest($1::text[]) with ordinality as r(relation, n)
     join pg_attribute a on a.attrelid = to_regclass(r.relation)
     where a.attnum > 0 and not a.attisdropped
     order by r.n, a.attnum`,
    [read.map((r) => r.name)],
  );
  for (const row of found.rows) {
    const columns = known.get(read[row.n - 1]!.input)!;
    const declared = columns.find((c) => c.name === row.name);
    if (declared) declared.type ??= row.type;
    else columns.push({ name: row.name, type: row.type });
  }
  return known;
}

/** The columns `expect` names, with the model's types; all of the model's when `expect` has no rows. */
function comparedColumns(node: ManifestNode, actual: ActualColumn[]): ActualColumn[] {
  const meta = node.unitTest!;
  const names = [...new Set(meta.expect.flatMap((row) => Object.keys(row)))];
  if (names.length === 0) return actual;
  const byName = new Map(actual.map((c) => [c.name, c]));
  const unknown = names.filter((name) => !byName.has(name));
  if (unknown.length > 0) {
    throw new StrataError({
      code: 'STR242',
      message: `unit test '${node.name}' expects ${unknown.length === 1 ? 'column' : 'columns'} ${unknown
        .map((n) => `'${n}'`)
        .join(', ')}, which the model does not return`,
      file: meta.position.file,
      line: meta.position.line,
      column: meta.position.column,
      hint: `the model returns ${actual.map((c) => c.name).join(', ')}`,
    });
  }
  return names.map((name) => byName.get(name)!);
}

function diffQuery(sql: string, expect: Record<string, unknown>[], columns: ActualColumn[]): string {
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  const asText = columns.map((c) => `${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}`).join(', ');
  const expected = rowsSql(
    expect,
    columns.map((c) => ({ name: c.name, type: c.dataType })),
  );
  const select = (from: string) => (columns.length > 0 ? `select ${list} from ${from}` : `select from ${from}`);
  return [
    `with strata_actual as (\n${select(`(\n${sql}\n) as strata_unit`)}\n),`,
    `strata_expected as (\n${expected}\n),`,
    `strata_missing as (select * from strata_expected except all select * from strata_actual),`,
    `strata_extra as (select * from strata_actual except all select * from strata_expected)`,
    `select 'missing' as strata_diff${asText ? `, ${asText}` : ''} from strata_missing`,
    `union all`,
    `select 'extra' as strata_diff${asText ? `, ${asText}` : ''} from strata_extra`,
  ].join('\n');
}
