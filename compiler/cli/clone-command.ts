/**
 * `strata clone --state DIR`: for each selected model, seed and snapshot that the `--state` manifest
 * knows, a relation in the target that reads the state's relation, as `dbt clone` does on Postgres
 * (which has no zero-copy clone): a view `select * from <state relation>`, or with `--as table` a copy.
 * A relation already in the target is left as it is unless `--full-refresh`; then it is replaced in one
 * transaction (built aside, swapped), so a failure leaves it as it was.
 */
import { lockTarget, openAdapter, type Connection, type HeldTargetLock, type Relation } from '../adapters/adapter.js';
import { quoteRelation } from '../sql/quote.js';
import { targetInfo } from '../artifacts/target-info.js';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Reporter } from '../report/reporter.js';
import { loadStateManifest, type StateManifest } from '../graph/state-manifest.js';
import type { ManifestNode, NodeId } from '../manifest/types.js';
import { TargetWriter } from '../run/artifacts.js';
import { databaseErrorDiagnostic } from '../run/database-error.js';
import type { NodeResult } from '../run/events.js';
import { ensureSchema, inTransaction, relationKind, swapRelation } from '../run/relation-sql.js';
import { scratchName } from '../run/scratch-names.js';
import { describeProject, numberArg, openSession, select, type CommonArgs } from './session.js';

export interface CloneArgs extends CommonArgs {
  /** `view` (default, as dbt-postgres) or `table` (a copy of the rows). */
  as?: 'view' | 'table';
  fullRefresh?: boolean;
  lockTimeout?: number;
}

const CLONED_TYPES = new Set(['model', 'seed', 'snapshot']);

/** One relation to create: where (the target) and what it reads (the state's relation). */
export interface ClonePair {
  node: ManifestNode;
  target: Relation;
  from: Relation;
}

/**
 * The relations to clone: selected models, seeds and snapshots the state manifest names a relation for
 * (not ephemeral models, not nodes whose state relation is the target's own).
 *
 * @example clonePairs(manifest.nodes, selection.ids, loadStateManifest('prod-target')).map((p) => p.from)
 */
export function clonePairs(nodes: Record<string, ManifestNode>, selected: readonly NodeId[], state: StateManifest): { pairs: ClonePair[]; notInState: ManifestNode[] } {
  const pairs: ClonePair[] = [];
  const notInState: ManifestNode[] = [];
  for (const id of selected) {
    const node = nodes[id];
    if (!node || !CLONED_TYPES.has(node.resourceType) || node.config.materialized === 'ephemeral') continue;
    const before = state.nodes[id];
    if (!before?.schema || !before.alias || before.config?.materialized === 'ephemeral') {
      notInState.push(node);
      continue;
    }
    pairs.push({ node, target: { schema: node.schema, identifier: node.alias }, from: { schema: before.schema, identifier: before.alias } });
  }
  return { pairs, notInState };
}

/**
 * @example cloneCommand({ projectDir: '.', state: 'prod-target', logFormat: 'text' }, reporter)  // 0
 */
export async function cloneCommand(args: CloneArgs, reporter: Reporter): Promise<number> {
  const started = Date.now();
  if (!args.state) throw new StrataError({ code: 'STR169', message: 'strata clone needs --state DIR', hint: 'pass the target/ directory of the run whose relations to clone' });
  if (args.lockTimeout !== undefined && !(Number.isFinite(args.lockTimeout) && args.lockTimeout >= 0)) {
    throw new StrataError({ code: 'STR138', message: `--lock-timeout takes seconds (0 or more), not ${numberArg(args.lockTimeout)}`, hint: 'e.g. --lock-timeout 60' });
  }
  const kind = args.as ?? 'view';
  const state = loadStateManifest(args.state);
  const session = openSession(args, reporter);
  reporter.info(describeProject(session));
  const selection = select(session, args, reporter);
  const { project, parsed } = session;
  const { pairs, notInState } = clonePairs(parsed.manifest.nodes, selection.ids, state);
  if (notInState.length > 0) {
    const names = notInState.map((n) => n.name);
    reporter.diagnostics([
      {
        code: 'STR169',
        severity: 'warn',
        message: `not in the --state manifest, not cloned: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''}`,
        hint: 'build them (strata build --select ...), or point --state at a run that built them',
      } as Diagnostic,
    ]);
  }
  const writer = new TargetWriter(project.root, project.paths.target, project.name, targetInfo(parsed, session.invocationId));
  if (pairs.length === 0) {
    writer.writeManifest(parsed.manifest);
    reporter.info('Nothing to clone: the selection has no model, seed or snapshot that the --state manifest knows.');
    return 0;
  }
  const notice = (message: string) => reporter.event({ type: 'notice', message });
  const adapter = await openAdapter(project.target, { onNotice: notice });
  let lock: HeldTargetLock | undefined;
  const results: NodeResult[] = [];
  try {
    lock = await lockTarget(project.target, { timeoutSeconds: args.lockTimeout, command: 'clone', onWait: notice });
    reporter.event({ type: 'run-started', total: pairs.length, target: `${project.target.name} (${project.target.type})`, command: 'clone' });
    for (const [i, pair] of pairs.entries()) {
      const index = i + 1;
      reporter.event({ type: 'node-started', index, total: pairs.length, id: pair.node.id, description: `clone of ${quoteRelation(pair.from)} as ${kind} ${pair.target.schema}.${pair.target.identifier}` });
      const begun = new Date();
      const outcome = await adapter
        .withConnection((connection) => cloneOne(connection, pair, kind, args.fullRefresh === true, session.runId))
        .catch((error: unknown): Outcome => ({ status: 'error', message: 'ERROR', error: diagnosticOf(error, pair.node) }));
      const ended = new Date();
      const result: NodeResult = {
        id: pair.node.id,
        name: pair.node.name,
        resourceType: pair.node.resourceType as NodeResult['resourceType'],
        materialized: kind,
        relation: `${pair.target.schema}.${pair.target.identifier}`,
        startedAt: begun.toISOString(),
        completedAt: ended.toISOString(),
        executionTime: (ended.getTime() - begun.getTime()) / 1000,
        ...outcome,
      };
      results.push(result);
      reporter.event({ type: 'node-finished', index, total: pairs.length, result });
    }
    const elapsed = (Date.now() - started) / 1000;
    const recorded = { select: args.select, exclude: args.exclude, state: args.state, full_refresh: args.fullRefresh || undefined, as: kind, target: args.target };
    writer.writeRunResults(results, elapsed, 'clone', session.invocationId, parsed.manifest, Object.fromEntries(Object.entries(recorded).filter(([, v]) => v !== undefined)));
    reporter.event({ type: 'run-finished', results, elapsed });
    return results.some((r) => r.status === 'error') ? 1 : 0;
  } finally {
    writer.writeManifest(parsed.manifest);
    await lock?.release();
    await adapter.close();
  }
}

type Outcome = Pick<NodeResult, 'status' | 'message' | 'error' | 'notices' | 'rowsAffected'>;

/**
 * One clone: nothing when the target relation exists (unless `fullRefresh`); otherwise the view or copy
 * is built under a scratch name and swapped in, in one transaction.
 */
async function cloneOne(connection: Connection, pair: ClonePair, kind: 'view' | 'table', fullRefresh: boolean, runId: string): Promise<Outcome> {
  const { node, target, from } = pair;
  if (target.schema === from.schema && target.identifier === from.identifier) {
    return { status: 'skipped', message: 'same relation', notices: [`${quoteRelation(target)} is the --state relation itself: nothing to clone`] };
  }
  const source = await relationKind(connection, from);
  if (!source) {
    return {
      status: 'error',
      message: 'ERROR',
      error: {
        code: 'STR169',
        message: `the --state relation ${from.schema}.${from.identifier} of ${node.resourceType} '${node.name}' does not exist on this target`,
        file: node.path,
        hint: 'build it there first, or point --state at a run on this database',
      },
    };
  }
  const existing = await relationKind(connection, target);
  if (existing && !fullRefresh) {
    return { status: 'skipped', message: 'exists', notices: [`${target.schema}.${target.identifier} already exists (a ${existing}): left as it is (--full-refresh replaces it)`] };
  }
  await ensureSchema(connection, target.schema);
  const scratch = { schema: target.schema, identifier: scratchName(target.identifier, 'tmp', runId) };
  const select = `select * from ${quoteRelation(from)}`;
  return inTransaction(connection, async () => {
    const built = await connection.query(kind === 'view' ? `create view ${quoteRelation(scratch)} as ${select}` : `create table ${quoteRelation(scratch)} as ${select}`);
    const notices = await swapRelation(connection, target, scratch, kind, scratchName(target.identifier, 'old', runId));
    return {
      status: 'success',
      message: kind === 'view' ? 'CREATE VIEW' : `SELECT ${built.rowCount ?? 0}`,
      ...(kind === 'table' ? { rowsAffected: built.rowCount ?? 0 } : {}),
      notices,
    };
  });
}

function diagnosticOf(error: unknown, node: ManifestNode): Diagnostic {
  if (error instanceof StrataError) return error.diagnostics[0]!;
  return { ...databaseErrorDiagnostic(error), file: node.path };
}


