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
import { openAdapter } from '../adapters/open-adapter.js';
import { checkUpstream } from '../cli/run-command.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { stableJson, type Fingerprint } from '../graph/state-fingerprint.js';
import type { NodeId } from '../manifest/types.js';
import { buildPlan } from '../plan/build-plan.js';
import type { LoadProjectOptions, Project } from '../project/load-project.js';
import { TargetWriter } from '../run/artifacts.js';
import type { NodeResult } from '../run/events.js';
import { runPlan } from '../run/run-plan.js';
import { ChangeCollector, type ChangeSet } from './change-set.js';
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
  let project: Project = loadProject(options.projectDir, options.load);
  let state: ProjectState | undefined;
  let adapter: TimedAdapter = timeStatements(await openAdapterFor(project, options));
  let adapterTarget = stableJson(project.target);

  /** Fingerprint of each node when it last ran: a node whose fingerprint differs now is dirty. */
  const lastRun = new Map<NodeId, Fingerprint>();
  let failed = new Set<NodeId>();
  let cycle = 0;
  /** Bumped by every file event: a cycle compares it before running to know whether it is stale. */
  let generation = 0;
  let firstEventAt: number | undefined;
  let requested: CycleReason | undefined = 'start';
  let running: Promise<void> | undefined;
  let stopping = false;

  const collector = new ChangeCollector(options.debounceMs, () => kick());
  const paths = [...new Set([...project.paths.models, ...project.paths.macros, ...project.paths.seeds, ...project.paths.tests, project.configFile])];
  const watcher: FileWatcher = watchFiles(project.root, {
    paths,
    onEvent(kind, path) {
      if (stopping) return;
      generation++;
      firstEventAt ??= performance.now();
      collector.add(kind, path);
    },
    onError: (error) => options.emit({ type: 'watch-error', message: error.message }),
  });

  /** Starts the loop if it is not running; a running loop picks the new work up when its cycle ends. */
  const kick = (): void => {
    if (running || stopping) return;
    running = loop()
      .catch((error: unknown) => options.emit({ type: 'watch-error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .finally(() => {
        running = undefined;
        if (!stopping && (requested || (collector.size > 0 && !collector.settling))) kick();
      });
  };

  let resolveFirst!: () => void;
  const firstCycle = new Promise<void>((resolve) => (resolveFirst = resolve));

  const loop = async (): Promise<void> => {
    while (!stopping && (requested || (collector.size > 0 && !collector.settling))) {
      const reason: CycleReason = requested ?? 'files';
      requested = undefined;
      const files = collector.take(project);
      const startedAt = performance.now();
      const sinceFirst = firstEventAt;
      firstEventAt = undefined;
      if (reason === 'files' && files.length === 0) continue;
      await runCycle(++cycle, reason, files, startedAt, sinceFirst);
      if (reason === 'start') resolveFirst();
      if (!stopping) options.emit({ type: 'watch-idle' });
    }
  };

  const runCycle = async (number: number, reason: CycleReason, files: ChangeSet, startedAt: number, firstEvent: number | undefined): Promise<void> => {
    options.emit({ type: 'cycle-started', cycle: number, reason, files });
    const seenGeneration = generation;
    const parseStarted = performance.now();
    try {
      state = nextState(reason === 'start' ? undefined : { project, state }, files, stateOptions);
      project = state.project;
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      state = undefined; // the next cycle parses everything again
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: error.diagnostics });
      return;
    }
    if (state.selection.warnings.length > 0) {
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: state.selection.warnings.map((w) => ({ ...w, severity: 'warn' as const })) });
    }
    const { parsed, dag, selection, fingerprints } = state;
    const parseEnded = performance.now();

    if (stableJson(project.target) !== adapterTarget) {
      await adapter.close();
      adapter = timeStatements(await openAdapterFor(project, options));
      adapterTarget = stableJson(project.target);
      lastRun.clear();
    }

    for (const id of [...lastRun.keys()]) {
      if (parsed.manifest.nodes[id]) continue;
      lastRun.delete(id);
      failed.delete(id);
      if (!id.startsWith('test.') && !id.startsWith('unit_test.')) options.emit({ type: 'node-removed', id, relation: relationOfRemoved(id) });
    }

    const changed = [...fingerprints].filter(([id, fingerprint]) => lastRun.get(id) !== fingerprint).map(([id]) => id);
    const wanted = new Set<NodeId>();
    if (reason === 'all' || reason === 'start') for (const id of selection.ids) wanted.add(id);
    else if (reason === 'failed') for (const id of failed) wanted.add(id);
    for (const id of changed) wanted.add(id);
    const grown = options.changedOnly ? testsOf(wanted) : dag.walk(wanted, 'down');
    for (const id of grown) wanted.add(id);
    const selected = new Set(selection.ids);
    const ids = selection.ids.filter((id) => wanted.has(id));
    const plan = buildPlan(parsed.manifest, dag, ids, 'build');
    options.emit({ type: 'cycle-planned', cycle: number, parse: state.parse, changed: changed.filter((id) => selected.has(id)), steps: plan.steps.length });

    // Nodes that are never steps (ephemeral models, nodes outside the selection) count as seen now:
    // otherwise they would stay dirty and drag their descendants into every cycle.
    const steps = new Set(plan.steps.map((s) => s.id));
    const seen = () => {
      for (const [id, fingerprint] of fingerprints) if (!steps.has(id) && (!selected.has(id) || parsed.manifest.nodes[id]?.config.materialized === 'ephemeral')) lastRun.set(id, fingerprint);
    };
    const writer = new TargetWriter(project.root, project.paths.target, project.name);
    if (plan.steps.length === 0) {
      seen();
      options.emit({ type: 'cycle-finished', cycle: number, results: [], elapsed: (performance.now() - startedAt) / 1000, sql: 0, sinceFirstEventMs: firstEvent === undefined ? undefined : performance.now() - firstEvent });
      deferArtifacts(() => writer.writeManifest(parsed.manifest));
      return;
    }
    adapter.resetSqlTime();
    try {
      await checkUpstream(adapter, plan, { projectDir: options.projectDir, logFormat: 'text', select: options.select });
    } catch (error) {
      if (!(error instanceof StrataError)) throw error;
      options.emit({ type: 'cycle-problems', cycle: number, diagnostics: error.diagnostics });
      return;
    }
    if (generation !== seenGeneration && reason === 'files') {
      options.emit({ type: 'cycle-superseded', cycle: number });
      return;
    }
    const runStarted = performance.now();
    const results = await runPlan(
      plan,
      {
        parsed,
        adapter,
        runId: randomBytes(3).toString('hex'),
        fullRefresh: false,
        writeCompiled: (node, sql) => writer.writeCompiled(node, sql),
        writeRun: (node, sql) => writer.writeRun(node, sql),
      },
      { threads: project.target.threads, failFast: options.failFast === true, emit: (event) => options.emit({ type: 'run-event', event }) },
    );
    const ended = performance.now();
    recordResults(results, fingerprints);
    seen();
    options.emit({
      type: 'cycle-finished',
      cycle: number,
      results,
      elapsed: (ended - startedAt) / 1000,
      sql: adapter.sqlMs / 1000,
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
    if (running && !stopping) {
      deferArtifacts(write);
      return;
    }
    try {
      write();
    } catch (error) {
      options.emit({ type: 'watch-error', message: `could not write target/: ${(error as Error).message}` });
    }
  };

  const testsOf = (ids: Set<NodeId>): NodeId[] =>
    // Data tests and unit tests: both check the node, neither builds anything.
    [...ids].flatMap((id) => state!.dag.children(id).filter((child) => child.startsWith('test.') || child.startsWith('unit_test.')));

  const removedRelations = new Map<NodeId, string>();
  const relationOfRemoved = (id: NodeId) => removedRelations.get(id);

  const recordResults = (results: NodeResult[], fingerprints: Map<NodeId, Fingerprint>) => {
    const nextFailed = new Set([...failed].filter((id) => !results.some((r) => r.id === id)));
    for (const result of results) {
      if (result.status === 'skipped') {
        lastRun.delete(result.id);
        nextFailed.add(result.id);
        continue;
      }
      lastRun.set(result.id, fingerprints.get(result.id) ?? '');
      if (result.relation) removedRelations.set(result.id, result.relation);
      if (result.status === 'error' || result.status === 'fail') nextFailed.add(result.id);
    }
    failed = nextFailed;
  };

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const handle: WatchHandle = {
    rebuildAll() {
      requested = 'all';
      kick();
    },
    rerunFailed() {
      requested = 'failed';
      kick();
    },
    async stop() {
      if (stopping) return stopped;
      stopping = true;
      collector.close();
      try {
        await watcher.close();
        if (running) {
          await adapter.cancelRunning().catch(() => undefined);
          await running;
        }
        writeArtifacts();
        await adapter.close();
      } finally {
        options.emit({ type: 'watch-stopped' });
        resolveStopped();
      }
    },
    firstCycle,
    stopped,
  };

  await watcher.ready;
  options.emit({ type: 'watch-started', project: project.name, target: `${project.target.name} (${project.target.type})`, paths });
  kick();
  return handle;
}

function openAdapterFor(project: Project, options: WatchOptions): Promise<Adapter> {
  return openAdapter(project.target, { onNotice: (message) => options.emit({ type: 'run-event', event: { type: 'notice', message } }) });
}
