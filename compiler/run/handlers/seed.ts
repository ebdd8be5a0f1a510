import { join } from 'node:path';
import type { Relation } from '../../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../../sql/quote.js';
import type { Step } from '../../plan/build-plan.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import { ensureSchema, inTransaction, swapRelation } from '../relation-sql.js';
import type { RunContext, StepOutcome } from '../run-context.js';
import { scratchName } from '../scratch-names.js';
import { StatementLog } from './materialize.js';
import { runNodeHooks } from './node-hooks.js';
import { inferSeedColumns } from './seed-types.js';
import { applyGrants } from '../grants.js';
import { persistDocs } from '../persist-docs.js';
import { emptySeedError, seedCopyError, seedCsvError, seedHeaderError } from './seed-copy-error.js';

/**
 * Loads a CSV seed: a table with the inferred (or `column_types`) types is filled with COPY under a
 * temporary name and swapped in, in one transaction: never row-by-row INSERTs. The file streams into
 * COPY (never held in memory) and types come from its first rows, so a later value that does not fit
 * fails the load with its line and column, and the transaction leaves the previous table as it was. Hooks run in that
 * transaction, as a model's do:
 *
 *   begin → pre-hooks → create <name>__strata_tmp_<run> → COPY → swap → grants → comments → post-hooks → commit
 *
 * so a failing hook leaves the previous table as it was, and a post-hook sees the new one as `this`.
 */
export async function loadSeed(step: Extract<Step, { kind: 'seed' }>, context: RunContext): Promise<StepOutcome> {
  const node = context.parsed.manifest.nodes[step.id];
  const file = join(context.parsed.project.root, node.path);
  const overrides = (node.config.column_types ?? {}) as Record<string, string>;
  let columns: ReturnType<typeof inferSeedColumns>;
  try {
    columns = inferSeedColumns(file, overrides);
  } catch (error) {
    throw seedCsvError(error, node.path);
  }
  if (columns.names.length === 0) throw emptySeedError(node.path);
  const badHeader = seedHeaderError(columns.names, node.path);
  if (badHeader) throw badHeader;
  const unknown = Object.keys(overrides).filter((name) => !columns.names.includes(name));
  if (unknown.length > 0) {
    throw new StrataError({
      code: 'STR410',
      message: `column_types names columns the seed does not have: ${unknown.join(', ')}`,
      file: node.patchPath ?? node.path,
      hint: `the seed's columns are: ${columns.names.join(', ')}`,
    });
  }
  const target: Relation = { schema: node.schema, identifier: node.alias };
  const scratch: Relation = { schema: node.schema, identifier: scratchName(node.alias, 'tmp', context.runId) };
  return context.adapter.withConnection(async (connection) => {
    await ensureSchema(connection, node.schema);
    const log = new StatementLog(connection);
    const { rows, notices } = await inTransaction(connection, async () => {
      await runNodeHooks(context.parsed, node.id, node.config.pre_hook, log);
      const definition = columns.names.map((name, i) => `${quoteIdent(name)} ${columns.types[i]}`).join(',\n  ');
      await log.exec(`create table ${quoteRelation(scratch)} (\n  ${definition}\n)`);
      const rows = await log.copyFromCsvFile(scratch, columns.names, file).catch((error: unknown) => {
        throw seedCopyError(error, node.path, columns);
      });
      const notices = await swapRelation(log, target, scratch, 'table', scratchName(node.alias, 'old', context.runId));
      await applyGrants(log, node, target, false);
      await persistDocs(log, node, target, 'table');
      await runNodeHooks(context.parsed, node.id, node.config.post_hook, log);
      return { rows, notices };
    });
    context.writeRun(node, log.text());
    return {
      status: 'success',
      materialized: 'seed',
      relation: `${node.schema}.${node.alias}`,
      message: `INSERT ${rows}`,
      rowsAffected: rows,
      notices,
    };
  });
}
