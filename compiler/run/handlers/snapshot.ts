import type { Relation } from '../../adapters/adapter.js';
import { StrataError } from '../../diagnostics/strata-error.js';
import type { Step } from '../../plan/build-plan.js';
import { compileNodeAtRun } from '../../render/compile-node.js';
import { runNodeHooks } from './node-hooks.js';
import { snapshotSettings } from '../../snapshot/snapshot-config.js';
import { writeSnapshot } from '../../snapshot/write-snapshot.js';
import { createSchemas, inTransaction, relationKind } from '../relation-sql.js';
import type { RunContext, StepOutcome } from '../run-context.js';
import { scratchName } from '../scratch-names.js';
import { StatementLog } from './materialize.js';
import { applyGrants } from '../grants.js';
import { persistDocs } from '../persist-docs.js';

/**
 * Runs a snapshot: its hooks and its changes to the history table in one transaction, so a failure
 * (in the query, the merge or a post-hook) leaves the table as it was, and readers never see half a run.
 *
 *   begin → pre-hooks → create the table (first run) | stage, close, insert (later runs) → grants →
 *   comments (persist_docs) → post-hooks → commit
 *
 * `--full-refresh` does not apply: as in dbt, a snapshot's history is never rebuilt.
 */
export async function runSnapshot(step: Extract<Step, { kind: 'snapshot' }>, context: RunContext): Promise<StepOutcome> {
  const node = context.parsed.manifest.nodes[step.id];
  const target: Relation = { schema: node.schema, identifier: node.alias };
  const { settings, problems } = snapshotSettings(node.config, { file: node.path }, node.name);
  if (!settings) throw new StrataError(problems);
  return context.adapter.withConnection(async (connection) => {
    // Tolerates another session creating the schema at the same moment (parallel snapshots).
    await createSchemas(connection, [node.schema]);
    const sql = await compileNodeAtRun(context.parsed, node.id, connection, { empty: context.empty });
    const compiledPath = context.writeCompiled(node, sql);
    const log = new StatementLog(connection);
    const outcome = await inTransaction(connection, async () => {
      await runNodeHooks(context.parsed, node.id, node.config.pre_hook, log);
      const existing = await relationKind(log, target);
      if (existing === 'view') {
        throw new StrataError({
          code: 'STR132',
          message: `snapshot '${node.name}': ${node.schema}.${node.alias} is a view, not a history table`,
          file: node.path,
          hint: 'drop the view, or give the snapshot another alias',
        });
      }
      // Under --empty the query has no rows: an existing history would read them all as deleted.
      const written =
        context.empty && existing === 'table'
          ? { created: false, inserted: 0, closed: 0 }
          : await writeSnapshot(log, target, sql, settings, existing === 'table', scratchName(node.alias, 'tmp', context.runId));
      // The history table is kept from run to run: grants the config dropped are revoked.
      await applyGrants(log, node, target, existing === 'table');
      await persistDocs(log, node, target, 'table');
      await runNodeHooks(context.parsed, node.id, node.config.post_hook, log);
      return written;
    });
    context.writeRun(node, log.text());
    return {
      status: 'success',
      materialized: 'snapshot',
      relation: `${node.schema}.${node.alias}`,
      message: outcome.created ? `SELECT ${outcome.inserted}` : `INSERT ${outcome.inserted}, UPDATE ${outcome.closed}`,
      rowsAffected: outcome.inserted + outcome.closed,
      compiledPath,
    };
  });
}

