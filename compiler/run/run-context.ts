import type { Adapter } from '../adapters/adapter.js';
import type { ManifestNode } from '../manifest/types.js';
import type { ParsedProject } from '../render/parse-project.js';
import type { Step } from '../plan/build-plan.js';
import type { NodeResult } from './events.js';

/** What every step handler gets: the parsed project, the database, and the run's identity. */
export interface RunContext {
  parsed: ParsedProject;
  adapter: Adapter;
  /** Short and unique per run: used in temporary and backup relation names. */
  runId: string;
  fullRefresh: boolean;
  /** `--empty`: refs and sources compile to zero-row subqueries. */
  empty?: boolean;
  /** `--event-time-start` / `--event-time-end`: the window microbatch models build. */
  eventTimeStart?: Date;
  eventTimeEnd?: Date;
  /** Writes the compiled SELECT under target/compiled/ and returns its path (relative to the project). */
  writeCompiled(node: ManifestNode, sql: string): string;
  /** Writes the statements actually run under target/run/. */
  writeRun(node: ManifestNode, sql: string): void;
}

/** What a handler reports; the scheduler adds timing and identity. */
export type StepOutcome = Pick<
  NodeResult,
  'status' | 'message' | 'rowsAffected' | 'failures' | 'compiledPath' | 'sampleRows' | 'unitDiff' | 'notices' | 'relation' | 'materialized'
>;

export type Handler<K extends Step['kind'] = Step['kind']> = (
  step: Extract<Step, { kind: K }>,
  context: RunContext,
) => Promise<StepOutcome>;
