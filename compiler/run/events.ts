import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { NodeId } from '../manifest/types.js';

export interface UnitDiff {
  missing: Record<string, unknown>[];
  extra: Record<string, unknown>[];
}

export type NodeStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn';

/** The outcome of one step, as written to run_results.json. */
export interface NodeResult {
  id: NodeId;
  name: string;
  resourceType: 'model' | 'seed' | 'snapshot' | 'test' | 'unit_test' | 'analysis';
  /** What was built: `view`, `table`, `incremental`, `seed`, `test`. */
  materialized: string;
  /** `schema.identifier` of what was built. */
  relation?: string;
  status: NodeStatus;
  message: string;
  /** Rows affected (models, seeds) or failing rows (tests). */
  rowsAffected?: number;
  failures?: number;
  startedAt: string;
  completedAt: string;
  /** Seconds. */
  executionTime: number;
  /** Where the compiled SQL was written. */
  compiledPath?: string;
  /** Up to 5 failing rows of a test. */
  sampleRows?: Record<string, unknown>[];
  /** A failed unit test: expected rows the model did not return, and returned rows nobody expected. */
  unitDiff?: UnitDiff;
  error?: Diagnostic;
  /** Non-fatal notices raised while running the node (a dependent view recreated, ...). */
  notices?: string[];
}

/** What the engine tells the reporter; the engine itself never prints. */
export type RunEvent =
  | { type: 'run-started'; total: number; target: string; command: string }
  | { type: 'node-started'; index: number; total: number; id: NodeId; description: string }
  | { type: 'node-finished'; index: number; total: number; result: NodeResult }
  | { type: 'notice'; message: string }
  | { type: 'run-finished'; results: NodeResult[]; elapsed: number };

export type EmitEvent = (event: RunEvent) => void;
