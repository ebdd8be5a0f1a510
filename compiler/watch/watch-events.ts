/** What the watch loop tells its reporter; run events of each rebuild are passed through as they are. */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { NodeId } from '../manifest/types.js';
import type { NodeResult, RunEvent } from '../run/events.js';
import type { ChangeSet } from './change-set.js';

/** Why a cycle runs: files changed, or a key asked for it. */
export type CycleReason = 'start' | 'files' | 'all' | 'failed';

export type WatchEvent =
  | { type: 'watch-started'; project: string; target: string; paths: string[] }
  | { type: 'cycle-started'; cycle: number; reason: CycleReason; files: ChangeSet }
  /** The change set did not parse (template error, unknown ref, cycle...): the loop waits for a fix. */
  | { type: 'cycle-problems'; cycle: number; diagnostics: Diagnostic[] }
  | { type: 'node-removed'; id: NodeId; relation?: string }
  | { type: 'cycle-planned'; cycle: number; parse: 'full' | 'files'; changed: NodeId[]; steps: number }
  | { type: 'run-event'; event: RunEvent }
  /** A newer edit arrived before the run started: this cycle's result is dropped, the next one has it. */
  | { type: 'cycle-superseded'; cycle: number }
  | {
      type: 'cycle-finished';
      cycle: number;
      results: NodeResult[];
      /** Seconds from the cycle's start (the end of the change set's quiet period) to the end of its run. */
      elapsed: number;
      /** Seconds of it spent in SQL statements, as timed around the adapter. */
      sql: number;
      /** Milliseconds from the first file event of the change set to the end of the run. */
      sinceFirstEventMs?: number;
      /** Where the time went: the incremental parse, the plan and upstream check, the run (SQL included). */
      phasesMs?: { parse: number; plan: number; run: number };
    }
  | { type: 'watch-idle' }
  | { type: 'watch-help' }
  | { type: 'watch-error'; message: string }
  | { type: 'watch-stopped' };

export type EmitWatchEvent = (event: WatchEvent) => void;
