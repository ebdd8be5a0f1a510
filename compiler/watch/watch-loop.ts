/**
 * The watch loop: a first build of the selection, then one cycle per change set, on one database
 * connection kept open the whole time.
 *
 * Timeline (the habits of Vite's and Vitest's watchers):
 *   edit a ─┐  edit b ─┐              edit c ─┐
 *   events: collect ── quiet ── cycle 1 (a, b) runs ──────── cycle 2 (c) runs ── idle
 *                                         edit c arrives here ┘ waits for the end of cycle 1
 * - Changes collect into a set while a cycle runs; the next cycle starts after it, with all of them.
 * - A cycle that sees a newer edit before its run starts drops its result (`cycle-superseded`).
 * - Handlers of file events and keys never throw: problems become events.
 * - A parse problem or a failed node ends the cycle, not the loop: the next save is parsed again.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Adapter } from '../adapters/adapter.js';
import { openAdapter } from '../adapters/adapter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { stableJson } from '../graph/state-fingerprint.js';
import type { NodeId } from '../manifest/types.js';
import { buildPlan } from '../plan/build-plan.js';
import type { LoadProjectOptions, Project } from '../project/load-project.js';
import { TargetWriter } from '../run/artifacts.js';
import { checkUpstream } from '../run/check-upstream.js';
import { runPlan } from '../run/run-plan.js';
import { ChangeCollector, type ChangeSet } from './change-set.js';
import { EMPTY_MEMORY, planCycle, rememberRun, type WatchMemory } from './cycle-plan.js';
import { watchFiles, type FileWatcher } from './file-watcher.js';
import { nextState, type ProjectState, type StateOptions } from './project-state.js';
import { timeStatements, type TimedAdapter } from './timed-adapter.js';
import type { CycleReason, EmitWatchEvent } from './watch-events.js';

const ARTIFACT_DELAY_MS = 400;

export interface WatchOptions {
  projectDir: string;
  load: LoadProjectOptions;
  select?: string[];
  exclude?: string[];
  /** Rerun the changed nodes and their tests only, not their descendants. */
  changedOnly?: boolean;
  /** Quiet time that ends a change set. */
  debounceMs: number;
  failFast?: boolean;
  emit: EmitWatchEvent;
}

export interface WatchHandle {
  /** Rebuild the whole selection (key `a`). */
  rebuildAll(): void;
  /** Rerun the nodes that failed, errored or were skipped last time (key `f`). */
  rerunFailed(): void;
  /** Stops watching, cancels running statements, closes the database. Resolves when all is closed. */
  stop(): Promise<void>;
  /** Resolves once the first build is done (for tests and the benchmark). */
  firstCycle: Promise<void>;
  /** Resolves when `stop()` is done. */
  stopped: Promise<void>;
}

/**
 * Loads the project (a broken project.yml at startup is thrown: without it there is no target), opens
 * the database, and starts the loop.
 *
 * @example
 *   const handle = await startWatch({ projectDir: '.', load: {}, debounceMs: 100, emit: reporter });
 *   ...; await handle.stop();
 */
export async function startWatch(options: WatchOptions): Promise<WatchHandle> {
  const stateOptions: StateOptions = {
    projectDir: options.projectDir,
    load: options.load,
    select: options.select,
    exclude: options.exclude,
    runStartedAt: new Date(),
    invocationId: randomUUID(),
  };
  const { loadProject } = await import('../project/load-project.js');
  const initial = loadProject(options.projectDir, options.load);
  /** Everything the loop changes from one cycle to the next, in one place. */
  const live: LoopState = {
    project: initial,
    state: undefined,
    adapter: timeStatements(await openAdapterFor(initial, options)),
    adapterTarget: stableJson(initial.target),
    memory: EMPTY_MEMORY,
    cycle: 0,
    generation: 0,
    firstEventAt: undefined,
    requested: 'start',
    running: undefined,
    stopping: false,
  };

  const collector = new ChangeCollector(options.debounceMs, () => kick());
  const paths = [...new Set([...live.project.paths.models, ...live.project.paths.macros, ...live.project.paths.seeds, ...live.project.paths.tests, live.project.configFile])];
  const watcher: FileWatcher = watchFiles(live.project.root, {
    paths,
    onEvent(kind, path) {
      if (live.stopping) return;
      live.generation++;
      live.firstEventAt ??= performance.now();
      collector.add(kind, path);
    },
    onError: (error) => options.emit({ type: 'watch-error', message: error.message }),
  });

  /** Starts the loop if it is not running; a running loop picks the new work up when its cycle ends. */
  const kick = (): void => {
    if (live.running || live.stopping) return;
    live.running = loop()
      .catch((error: unknown) => options.emit({ type: 'watch-error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .finally(() => {
        live.running = undefined;
        if (!live.stopping && (live.requested || (collector.size > 0 && !collector.settling))) kick();
      });
  };

  let resolveFirst!: () => void;
  const firstCycle = new Promise<void>((resolve) => (resolveFirst = resolve));

  const loop = async (): Promise<void> => {
    while (!live.stopping && (live.requested || (collector.size > 0 && !collector.settling))) {
      const reason: CycleReason = live.requested ?? 'files';
      live.requested = undefined;
      const files = collector.take(live.project);
      const startedAt = performance.now();
      const sinceFirst = live.firstEventAt;
      live.firstEventAt = undefined;
      if (reason === 'files' && files.length === 0) continue;
      await runCycle(++live.cycle, reason, files, startedAt, sinceFirst);
      if (reason === 'start') resolveFirst();
      if (!live.stopping) options.emit({ type: 'watch-idle' });
    }
  };

  const runCycle = async (number: number, reason: CycleReason, files: ChangeSet, startedAt: number, firstEvent: number | undefined): Promise<void> => {
    options.emit({ type: 'cycle-started', cycle: number, reason, files });
    const seenGeneration = live.generation;
    const parseStarted = performance.now();
    try {
      live.state = nextState(reason === 'start' ? undefined : { project: live.project, state: live.state }, files, stateOptions);
      live.project = live.state.project;
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      live.state = undefined; // the next cycle parses everything again
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: error.diagnostics });
      return;
    }
    if (live.state.selection.warnings.length > 0) {
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: live.state.selection.warnings.map((w) => ({ ...w, severity: 'warn' as const })) });
    }
    const { parsed, dag, selection, fingerprints } = live.state;
    const parseEnded = performance.now();

    if (stableJson(live.project.target) !== live.adapterTarget) {
      await live.adapter.close();
      live.adapter = timeStatements(await openAdapterFor(live.project, options));
      live.adapterTarget = stableJson(live.project.target);
      live.memory = { lastRun: new Map(), failed: live.memory.failed };
    }

    const planned = planCycle(
      live.memory,
      {
        fingerprints,
        selection: selection.ids,
        exists: (id) => parsed.manifest.nodes[id] !== undefined,
        descendants: (ids) => dag.walk(ids, 'down'),
        // Data tests and unit tests: both check the node, neither builds anything.
        testsOf: (id) => dag.children(id).filter((child) => child.startsWith('test.') || child.startsWith('unit_test.')),
      },
      reason,
      options.changedOnly === true,
    );
    live.memory = planned.memory;
    for (const id of planned.removed) {
      if (!id.startsWith('test.') && !id.startsWith('unit_test.')) options.emit({ type: 'node-removed', id, relation: relationOfRemoved(id) });
    }
    const plan = buildPlan(parsed.manifest, dag, planned.ids, 'build');
    options.emit({ type: 'cycle-planned', cycle: number, parse: live.state.parse, changed: planned.changed, steps: plan.steps.length });

    // Nodes that are never steps: ephemeral models, and nodes outside the selection.
    const steps = new Set(plan.steps.map((s) => s.id));
    const selected = new Set(selection.ids);
    const seen = [...fingerprints.keys()].filter((id) => !steps.has(id) && (!selected.has(id) || parsed.manifest.nodes[id]?.config.materialized === 'ephemeral'));
    const writer = new TargetWriter(live.project.root, live.project.paths.target, live.project.name);
    if (plan.steps.length === 0) {
      live.memory = rememberRun(live.memory, [], fingerprints, seen);
      options.emit({ type: 'cycle-finished', cycle: number, results: [], elapsed: (performance.now() - startedAt) / 1000, sql: 0, sinceFirstEventMs: firstEvent === undefined ? undefined : performance.now() - firstEvent });
      deferArtifacts(() => writer.writeManifest(parsed.manifest));
      return;
    }
    live.adapter.resetSqlTime();
    try {
      await checkUpstream(live.adapter, plan, options.select);
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: error.diagnostics });
      return;
    }
    if (live.generation !== seenGeneration && reason === 'files') {
      options.emit({ type: 'cycle-superseded', cycle: number });
      return;
    }
    const runStarted = performance.now();
    const results = await runPlan(
      plan,
      {
        parsed,
        adapter: live.adapter,
        runId: randomBytes(3).toString('hex'),
        fullRefresh: false,
        writeCompiled: (node, sql) => writer.writeCompiled(node, sql),
        writeRun: (node, sql) => writer.writeRun(node, sql),
      },
      { threads: live.project.target.threads, failFast: options.failFast === true, emit: (event) => options.emit({ type: 'run-event', event }) },
    );
    const ended = performance.now();
    live.memory = rememberRun(live.memory, results, fingerprints, seen);
    for (const result of results) if (result.relation) removedRelations.set(result.id, result.relation);
    options.emit({
      type: 'cycle-finished',
      cycle: number,
      results,
      elapsed: (ended - startedAt) / 1000,
      sql: live.adapter.sqlMs / 1000,
      sinceFirstEventMs: firstEvent === undefined ? undefined : ended - firstEvent,
      phasesMs: { parse: parseEnded - parseStarted, plan: runStarted - parseEnded, run: ended - runStarted },
    });
    deferArtifacts(() => {
      writer.writeManifest(parsed.manifest);
      writer.writeRunResults(results, (ended - startedAt) / 1000, 'watch', stateOptions.invocationId);
      writer.flush();
    });
  };

  /**
   * target/ is written once the loop has been idle for a moment, not right after each rebuild: at
   * 10,000 nodes manifest.json takes a few hundred milliseconds to write, and a save made meanwhile
   * would wait for it. A newer cycle's artifacts replace the older ones not yet written; `stop()`
   * writes what is pending.
   */
  let pendingArtifacts: (() => void) | undefined;
  let artifactTimer: NodeJS.Timeout | undefined;
  const deferArtifacts = (write: () => void) => {
    pendingArtifacts = write;
    if (artifactTimer) clearTimeout(artifactTimer);
    artifactTimer = setTimeout(writeArtifacts, ARTIFACT_DELAY_MS);
  };
  const writeArtifacts = () => {
    if (artifactTimer) clearTimeout(artifactTimer);
    artifactTimer = undefined;
    const write = pendingArtifacts;
    pendingArtifacts = undefined;
    if (!write) return;
    if (live.running && !live.stopping) {
      deferArtifacts(write);
      return;
    }
    try {
      write();
    } catch (error) {
      options.emit({ type: 'watch-error', message: `could not write target/: ${(error as Error).message}` });
    }
  };

  const removedRelations = new Map<NodeId, string>();
  const relationOfRemoved = (id: NodeId) => removedRelations.get(id);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const handle: WatchHandle = {
    rebuildAll() {
      live.requested = 'all';
      kick();
    },
    rerunFailed() {
      live.requested = 'failed';
      kick();
    },
    async stop() {
      if (live.stopping) return stopped;
      live.stopping = true;
      collector.close();
      try {
        await watcher.close();
        if (live.running) {
          await live.adapter.cancelRunning().catch(() => undefined);
          await live.running;
        }
        writeArtifacts();
        await live.adapter.close();
      } finally {
        options.emit({ type: 'watch-stopped' });
        resolveStopped();
      }
    },
    firstCycle,
    stopped,
  };

  await watcher.ready;
  options.emit({ type: 'watch-started', project: live.project.name, target: `${live.project.target.name} (${live.project.target.type})`, paths });
  kick();
  return handle;
}

/** The watch loop's mutable state: one object, so what changes between cycles is in one place. */
interface LoopState {
  project: Project;
  /** The parse of the last cycle; undefined after a parse error (the next cycle parses everything). */
  state: ProjectState | undefined;
  adapter: TimedAdapter;
  /** The target the adapter was opened for (a change of project.yml's target reopens it). */
  adapterTarget: string;
  memory: WatchMemory;
  cycle: number;
  /** Bumped by every file event: a cycle compares it before running to know whether it is stale. */
  generation: number;
  firstEventAt: number | undefined;
  /** A cycle asked for by a key or the start, not by files. */
  requested: CycleReason | undefined;
  running: Promise<void> | undefined;
  stopping: boolean;
}

function openAdapterFor(project: Project, options: WatchOptions): Promise<Adapter> {
  return openAdapter(project.target, { onNotice: (message) => options.emit({ type: 'run-event', event: { type: 'notice', message } }) });
}
