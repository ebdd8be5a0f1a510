import type { Diagnostic } from '../diagnostics/strata-error.js';
import { isTestNode, type ManifestNode, type NodeId } from '../manifest/types.js';
import type { Plan, Step } from '../plan/build-plan.js';
import type { EmitEvent, NodeResult } from './events.js';
import { loadSeed } from './handlers/seed.js';
import { materializeModel } from './handlers/materialize.js';
import { runDataTest } from './handlers/test.js';
import { runUnitTest } from './handlers/unit-test.js';
import { runSnapshot } from './handlers/snapshot.js';
import type { Handler, RunContext, StepOutcome } from './run-context.js';
import { databaseErrorDiagnostic, isConnectionLost } from './database-error.js';

/** One handler per step kind: a new kind without a handler does not compile. */
const HANDLERS: { [K in Step['kind']]: Handler<K> } = {
  seed: loadSeed,
  materialize: materializeModel,
  snapshot: runSnapshot,
  test: runDataTest,
  unit: runUnitTest,
};

export interface RunOptions {
  threads: number;
  failFast: boolean;
  emit: EmitEvent;
  /** Aborted by Ctrl-C or SIGTERM: start nothing new, cancel the running statements. */
  signal?: AbortSignal;
}

/**
 * Runs the plan's steps in dependency order on up to `threads` workers. A failed step (or an
 * error-severity test failure) skips everything that waits on it, and the rest goes on; with
 * `failFast`, the first failure cancels the running statements and skips the rest.
 *
 * Timeline of one step: ready (all `after` done) → started (index assigned, event) → handler → finished.
 */
export async function runPlan(plan: Plan, context: RunContext, options: RunOptions): Promise<NodeResult[]> {
  const total = plan.steps.length;
  const results: NodeResult[] = [];
  const waiting = new Map<NodeId, number>();
  const dependents = new Map<NodeId, NodeId[]>();
  const stepById = new Map<NodeId, Step>();
  const order = new Map<NodeId, number>();
  plan.steps.forEach((step, i) => {
    stepById.set(step.id, step);
    order.set(step.id, i);
    waiting.set(step.id, step.after.length);
    for (const dep of step.after) dependents.set(dep, [...(dependents.get(dep) ?? []), step.id]);
  });
  const ready: Step[] = plan.steps.filter((s) => s.after.length === 0);
  const finished = new Set<NodeId>();
  let counter = 0;
  let running = 0;
  let stopped = false;
  /** Why the rest was skipped once the run stopped early. */
  let stopReason = 'skipped: --fail-fast';
  /** Set when the connection was lost: later failures of the same cause are skips, not more errors. */
  let connectionLost = false;
  const stop = (reason: string) => {
    if (stopped) return;
    stopped = true;
    stopReason = reason;
    void context.adapter.cancelRunning().catch(() => {});
  };
  const threads = Math.max(1, Math.min(options.threads, context.adapter.maxConcurrency));

  const record = (step: Step, result: NodeResult, index: number) => {
    results.push(result);
    finished.add(step.id);
    options.emit({ type: 'node-finished', index, total, result });
  };

  const skip = (id: NodeId, reason: string) => {
    if (finished.has(id)) return;
    const step = stepById.get(id)!;
    const node = context.parsed.manifest.nodes[id];
    const now = new Date().toISOString();
    record(step, baseResult(context, step, now, now, 0, { status: 'skipped', message: reason }), ++counter);
    for (const child of dependents.get(id) ?? []) skip(child, reason);
    void node;
  };

  return new Promise<NodeResult[]>((resolve) => {
    const pump = () => {
      if (stopped) {
        for (const step of plan.steps) if (!finished.has(step.id) && !startedIds.has(step.id)) skip(step.id, stopReason);
      }
      while (!stopped && running < threads && ready.length > 0) {
        ready.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
        const step = ready.shift()!;
        if (finished.has(step.id)) continue;
        start(step);
      }
      if (running === 0 && (ready.length === 0 || stopped)) {
        for (const step of plan.steps) if (!finished.has(step.id)) skip(step.id, 'skipped');
        options.signal?.removeEventListener('abort', onAbort);
        resolve(results);
      }
    };
    const onAbort = () => {
      stop(`skipped: interrupted (${String(options.signal?.reason ?? 'signal')})`);
      pump();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const startedIds = new Set<NodeId>();
    const start = (step: Step) => {
      running++;
      startedIds.add(step.id);
      const index = ++counter;
      const node = context.parsed.manifest.nodes[step.id];
      options.emit({ type: 'node-started', index, total, id: step.id, description: describe(context, step) });
      const startedAt = new Date();
      const handler = HANDLERS[step.kind] as Handler;
      handler(step, context)
        .catch((error: unknown): StepOutcome & { error?: Diagnostic } => {
          if (options.signal?.aborted) {
            // Cancelled by the interrupt, rolled back: not built, and not the node's fault.
            return { status: 'skipped', message: `cancelled: interrupted (${String(options.signal.reason)}); rolled back` } as StepOutcome;
          }
          if (isConnectionLost(error)) {
            // One line for the cause; the nodes that were running with it are skipped, not failed again.
            if (connectionLost) return { status: 'skipped', message: 'skipped: the connection to the database was lost' } as StepOutcome;
            connectionLost = true;
            stop('skipped: the connection to the database was lost');
          }
          const diagnostic = toDiagnostic(error, node, context.parsed.templates.get(node.id)?.static === true);
          return { status: 'error', message: diagnostic.message, error: diagnostic } as StepOutcome & { error: Diagnostic };
        })
        .then((outcome) => {
          const completedAt = new Date();
          const result = baseResult(
            context,
            step,
            startedAt.toISOString(),
            completedAt.toISOString(),
            (completedAt.getTime() - startedAt.getTime()) / 1000,
            outcome,
          );
          record(step, result, index);
          running--;
          const failed = result.status === 'error' || result.status === 'fail';
          if (failed) {
            for (const child of dependents.get(step.id) ?? []) skip(child, `skipped: ${node.name} failed`);
            if (options.failFast) stop('skipped: --fail-fast');
          } else {
            for (const child of dependents.get(step.id) ?? []) {
              const left = waiting.get(child)! - 1;
              waiting.set(child, left);
              if (left === 0 && !finished.has(child)) ready.push(stepById.get(child)!);
            }
          }
          pump();
        });
    };
    pump();
  });
}

function baseResult(
  context: RunContext,
  step: Step,
  startedAt: string,
  completedAt: string,
  executionTime: number,
  outcome: Partial<StepOutcome> & { error?: Diagnostic },
): NodeResult {
  const node = context.parsed.manifest.nodes[step.id];
  return {
    id: step.id,
    name: node.name,
    resourceType: node.resourceType,
    materialized: outcome.materialized ?? String(node.config.materialized),
    relation: outcome.relation ?? (isTestNode(node) ? undefined : `${node.schema}.${node.alias}`),
    status: outcome.status ?? 'error',
    message: outcome.message ?? '',
    rowsAffected: outcome.rowsAffected,
    failures: outcome.failures,
    startedAt,
    completedAt,
    executionTime,
    compiledPath: outcome.compiledPath,
    sampleRows: outcome.sampleRows,
    unitDiff: outcome.unitDiff,
    error: outcome.error,
    notices: outcome.notices,
  };
}

function describe(context: RunContext, step: Step): string {
  const node = context.parsed.manifest.nodes[step.id];
  if (step.kind === 'test') return `test ${node.name}`;
  if (step.kind === 'unit') return `unit test ${node.name}`;
  if (step.kind === 'seed') return `seed file ${node.schema}.${node.alias}`;
  return `${node.config.materialized} model ${node.schema}.${node.alias}`;
}

/**
 * A database or engine error as a diagnostic. Where Postgres gives the `position` of the error in the
 * statement, it is mapped into the compiled SQL; for a statically parsed model, compiled lines are the
 * file's lines, so the error points into the model file itself.
 */
function toDiagnostic(error: unknown, node: ManifestNode, linesPreserved: boolean): Diagnostic {
  const diagnostic = databaseErrorDiagnostic(error, {
    file: node.test?.position?.file ?? node.path,
    compiledSql: node.compiledSql,
    linesPreserved: linesPreserved && !node.test?.position,
  });
  // A generic test's SQL is not in its YAML file: the test's entry there is the place to look.
  const entry = node.test?.position;
  return entry && diagnostic.line === undefined && diagnostic.file === entry.file ? { ...diagnostic, line: entry.line, column: entry.column } : diagnostic;
}
