import { quoteRelation } from '../../sql/quote.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import type { ManifestNode } from '../../manifest/types.js';
import type { Step } from '../../plan/build-plan.js';
import { compileNodeAtRun } from '../../render/compile-node.js';
import { ensureSchema, inTransaction } from '../relation-sql.js';
import { withStatement } from './materialize.js';
import type { RunContext, StepOutcome } from '../run-context.js';
import { batchedFailures } from '../test-batch.js';

/** How many failing rows the output shows. */
export const SAMPLE_ROWS = 5;

/**
 * Runs a data test: its query returns the failing rows. The count decides pass, warn or fail, with
 * dbt's `severity`, `error_if` and `warn_if`; a few failing rows are kept to show, and with
 * `store_failures` all of them go to `<schema>_test_failures.<test name>`. A built-in test that shares
 * its model's query with others takes its count from it; its samples and stored rows come from its own
 * query, as when it runs alone.
 */
export async function runDataTest(step: Extract<Step, { kind: 'test' }>, context: RunContext): Promise<StepOutcome> {
  const node = context.parsed.manifest.nodes[step.id];
  return context.adapter.withConnection(async (connection) => {
    const sql = await compileNodeAtRun(context.parsed, node.id, connection, { empty: context.empty });
    const compiledPath = context.writeCompiled(node, sql);
    const limit = typeof node.config.limit === 'number' ? ` limit ${node.config.limit}` : '';
    const body = `select * from (\n${sql}\n) as strata_test${limit}`;
    // dbt's `fail_calc` (default count(*)) turns the test's rows into its number of failures.
    const failCalc = typeof node.config.fail_calc === 'string' && node.config.fail_calc.trim() !== '' ? node.config.fail_calc : 'count(*)';
    const countSql = `select ${failCalc} as failures from (${body}) as strata_count`;
    // Tests of the same model answered together by one query (run/test-batch.ts), else this test's own.
    const failures =
      (await batchedFailures(step, context, connection)) ??
      Number((await connection.query<{ failures: number | string }>(countSql).catch(withStatement(countSql))).rows[0]?.failures ?? 0);
    let sampleRows: Record<string, unknown>[] | undefined;
    if (failures > 0) sampleRows = (await connection.query(`select * from (${body}) as strata_sample limit ${SAMPLE_ROWS}`)).rows;
    let storedIn: string | undefined;
    if (node.config.store_failures === true) {
      const schema = `${context.parsed.project.target.schema}_test_failures`;
      const relation = { schema, identifier: node.alias.slice(0, 63) };
      await ensureSchema(connection, schema);
      await inTransaction(connection, async () => {
        await connection.exec(`drop table if exists ${quoteRelation(relation)}`);
        await connection.exec(`create table ${quoteRelation(relation)} as (${body})`);
      });
      storedIn = `${schema}.${relation.identifier}`;
    }
    context.writeRun(node, `${body};\n`);
    const status = judge(node, failures);
    const noun = failures === 1 ? 'failing row' : 'failing rows';
    return {
      status,
      materialized: 'test',
      message: status === 'pass' ? 'PASS' : `${failures} ${noun}${storedIn ? ` (stored in ${storedIn})` : ''}`,
      failures,
      sampleRows,
      compiledPath,
      relation: storedIn,
    };
  });
}

/** dbt's rule: with severity error, error_if decides fail, then warn_if decides warn; with warn, only warn. */
export function judge(node: ManifestNode, failures: number): 'pass' | 'warn' | 'fail' {
  const severity = String(node.config.severity ?? 'error').toLowerCase();
  const errorIf = condition(node, 'error_if');
  const warnIf = condition(node, 'warn_if');
  if (severity === 'error' && errorIf(failures)) return 'fail';
  if (warnIf(failures)) return 'warn';
  return 'pass';
}

function condition(node: ManifestNode, key: 'error_if' | 'warn_if'): (n: number) => boolean {
  const text = String(node.config[key] ?? '!=0').trim();
  const match = /^(>=|<=|!=|<>|==|=|>|<)\s*(\d+)$/.exec(text);
  if (!match) {
    throw new StrataError({
      code: 'STR420',
      message: `${key} must be a comparison like ">10" or "!=0", got "${text}"`,
      file: node.test?.position?.file ?? node.path,
      line: node.test?.position?.line,
      column: node.test?.position?.column,
    });
  }
  const value = Number(match[2]);
  switch (match[1]) {
    case '>': return (n) => n > value;
    case '>=': return (n) => n >= value;
    case '<': return (n) => n < value;
    case '<=': return (n) => n <= value;
    case '=':
    case '==': return (n) => n === value;
    default: return (n) => n !== value;
  }
}

