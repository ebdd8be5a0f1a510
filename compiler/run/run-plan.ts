import type { Diagnostic } from '../diagnostics/strata-error.js';
import { isTestNode, type ManifestNode } from '../manifest/types.js';
import type { Plan, Step } from '../plan/build-plan.js';
import type { EmitEvent, NodeResult } from './events.js';
import { loadSeed } from './handlers/seed.js';
import { materializeModel } from './handlers/materialize.js';
import { runDataTest } from './handlers/test.js';
import { runUnitTest } from './handlers/unit-test.js';
import { runSnapshot } from './handlers/snapshot.js';
import type { Handler, RunContext, StepOutcome } from './run-context.js';
import { databaseErrorDiagnostic, isConnectionLost } from './database-error.js';
import { executeDag } from './dag-executor.js';

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
 * Runs the plan's steps in dependency order on up to `threads` workers (the executor, dag-executor.ts).
 * A failed step (or an error-severity test failure) skips everything that waits on it, and the rest goes
 * on; with `failFast`, the first failure cancels the running statements and skips the rest.
 *
 * Timeline of one step: ready (all `after` done) → started (index assigned, event) → handler → finished.
 */
export async function runPlan(plan: Plan, context: RunContext, options: RunOptions): Promise<NodeResult[]> {
  const total = plan.steps.length;
  /** Set when the connection was lost: later failures of the same cause are skips, not more errors. */
  let connectionLost = false;
  /** Each step's compiled SQL, as its handler wrote it: a database error's position points into it. */
  const compiled = new Map<string, string>();
  const stepContext: RunContext = {
    ...context,
    writeCompiled: (node, sql) => {
      compiled.set(node.id, sql);
      return context.writeCompiled(node, sql);
    },
  };
  return executeDag<Step, NodeResult>(plan.steps, {
    concurrency: Math.min(options.threads, context.adapter.maxConcurrency),
    failFast: options.failFast,
    signal: options.signal,
    onStop: () => void context.adapter.cancelRunning().catch(() => {}),
    skipped: (step, reason) => {
      const now = new Date().toISOString();
      return baseResult(context, step, now, now, 0, { status: 'skipped', message: reason });
    },
    verdict: (result) => {
      const failed = result.status === 'error' || result.status === 'fail';
      return failed ? { ok: false, skipDependents: `skipped: ${result.name} failed` } : { ok: true };
    },
    finished: (result, _step, index) => options.emit({ type: 'node-finished', index, total, result }),
    run: async (step, index, control) => {
      const node = context.parsed.manifest.nodes[step.id];
      options.emit({ type: 'node-started', index, total, id: step.id, description: describe(context, step) });
      const startedAt = new Date();
      const handler = HANDLERS[step.kind] as Handler;
      const outcome = await handler(step, stepContext).catch((error: unknown): StepOutcome & { error?: Diagnostic } => {
        if (options.signal?.aborted) {
          // Cancelled by the interrupt, rolled back: not built, and not the node's fault.
          return { status: 'skipped', message: `cancelled: interrupted (${String(options.signal.reason)}); rolled back` } as StepOutcome;
        }
        if (isConnectionLost(error)) {
          // One line for the cause; the nodes that were running with it are skipped, not failed again.
          if (connectionLost) return { status: 'skipped', message: 'skipped: the connection to the database was lost' } as StepOutcome;
          connectionLost = true;
          control.stop('skipped: the connection to the database was lost');
        }
        const diagnostic = toDiagnostic(error, node, compiled.get(node.id), context.parsed.templates.get(node.id)?.static === true);
        return { status: 'error', message: diagnostic.message, error: diagnostic } as StepOutcome & { error: Diagnostic };
      });
      const completedAt = new Date();
      return baseResult(context, step, startedAt.toISOString(), completedAt.toISOString(), (completedAt.getTime() - startedAt.getTime()) / 1000, outcome);
    },
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
function toDiagnostic(error: unknown, node: ManifestNode, compiledSql: string | undefined, linesPreserved: boolean): Diagnostic {
  const diagnostic = databaseErrorDiagnostic(error, {
    file: node.test?.position?.file ?? node.path,
    compiledSql,
    linesPreserved: linesPreserved && !node.test?.position,
  });
  // A generic test's SQL is not in its YAML file: the test's entry there is the place to look.
  const entry = node.test?.position;
  return entry && diagnostic.line === undefined && diagnostic.file === entry.file ? { ...diagnostic, line: entry.line, column: entry.column } : diagnostic;
}
