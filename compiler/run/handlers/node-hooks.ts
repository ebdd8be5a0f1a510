import { renderInNodeAtRun } from '../../render/compile-node.js';
import type { NodeId } from '../../manifest/types.js';
import type { ParsedProject } from '../../render/parse-project.js';
import type { StatementLog } from './materialize.js';

/**
 * Runs a node's `pre_hook` or `post_hook` list inside its unit of work: each hook rendered at run time
 * on the node's connection (a hook may call `adapter.*` or `run_query`), then sent. A hook made only
 * of `{% do ... %}` renders to nothing: there is no statement to send.
 *
 * @example await runNodeHooks(context.parsed, node.id, node.config.post_hook, log)
 */
export async function runNodeHooks(parsed: ParsedProject, id: NodeId, hooks: readonly unknown[] | undefined, log: StatementLog): Promise<void> {
  for (const hook of hooks ?? []) {
    const sql = await renderInNodeAtRun(parsed, id, hookSql(hook), log);
    if (sql.trim() !== '') await log.exec(sql);
  }
}

/** A hook as written: text, or `{sql: ..., transaction: ...}`. */
function hookSql(hook: unknown): string {
  if (typeof hook === 'string') return hook;
  if (hook && typeof hook === 'object' && 'sql' in hook) return String((hook as { sql: unknown }).sql);
  return String(hook);
}
