import type { Adapter } from '../adapters/adapter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Plan, UpstreamRelation } from '../plan/build-plan.js';
import { existingRelations } from './relation-sql.js';

/**
 * The pre-flight check of a run: every relation the selection reads but does not build exists, in one
 * catalog query. Otherwise STR402 names each missing one and the selection that would build it too.
 *
 * @example await checkUpstream(adapter, plan, ['gold_customer_metrics'])  // throws: ... build them too: --select '+gold_customer_metrics'
 */
export async function checkUpstream(adapter: Adapter, plan: Plan, select: readonly string[] | undefined): Promise<void> {
  if (plan.upstream.length === 0) return;
  const found = await adapter.withConnection((connection) => existingRelations(connection, plan.upstream));
  // One entry per relation (a seed and the source reading its table name the same one): the first, the
  // node that builds it, is the one to name.
  const missing = new Map<string, UpstreamRelation>();
  for (const r of plan.upstream) {
    const key = `${r.schema}.${r.identifier}`;
    if (!found.has(key) && !missing.has(key)) missing.set(key, r);
  }
  if (missing.size === 0) return;
  const selection = select?.length ? select.map((s) => (s.startsWith('+') ? s : `+${s}`)).join(' ') : undefined;
  const list = [...missing.values()];
  throw new StrataError({
    code: 'STR402',
    message: `the selection reads ${list.length === 1 ? '1 relation that does' : `${list.length} relations that do`} not exist yet: ${list
      .map((r) => `${r.schema}.${r.identifier} (${r.id})`)
      .join(', ')}`,
    hint: selection ? `build them too: --select '${selection}'` : 'build the upstream nodes first',
  });
}
