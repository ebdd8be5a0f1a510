import { openAdapter, prepareAdapter } from '../adapters/adapter.js';
import type { Adapter } from '../adapters/adapter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Reporter } from '../report/reporter.js';
import { fingerprintNodes } from '../graph/state-fingerprint.js';
import { deferToState, loadStateManifest } from '../graph/state-manifest.js';
import { buildPlan, type Command, type Plan } from '../plan/build-plan.js';
import { targetInfo } from '../artifacts/target-info.js';
import { TargetWriter } from '../run/artifacts.js';
import { checkUpstream } from '../run/check-upstream.js';
import { runProjectHooks } from '../run/project-hooks.js';
import { runPlan } from '../run/run-plan.js';
import { lockTarget, type HeldTargetLock } from '../adapters/adapter.js';
import { INTERRUPTED_EXIT_CODE, listenForInterrupts, type Interrupts } from '../run/interrupts.js';
import { prepareTarget } from '../run/prepare-target.js';
import { describeProject, loadProjectFor, numberArg, openSession, parseVars, select, type CommonArgs, type Session } from './session.js';
import type { Selection } from '../graph/select-nodes.js';
import type { Manifest, NodeId } from '../manifest/types.js';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { emptySeedError } from '../run/handlers/seed-copy-error.js';
import { severityProblem } from '../render/test-arguments.js';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { parseEventTime, placeOf } from '../run/incremental/incremental-config.js';

export interface RunArgs extends CommonArgs {
  fullRefresh?: boolean;
  failFast?: boolean;
  /** `--defer`: refs to nodes outside the selection read the relations of the `--state` manifest. */
  defer?: boolean;
  /** `--event-time-start` / `--event-time-end`: the window microbatch models build. */
  eventTimeStart?: string;
  eventTimeEnd?: string;
  /** `--lock-timeout SECONDS`: give up when another run holds the target longer (default: wait). */
  lockTimeout?: number;
  /** `--empty`: refs and sources read as zero-row subqueries, so models are built empty (schema checks). */
  empty?: boolean;
  /** `strata retry`: the nodes to run, instead of the selection (what failed or was skipped last time). */
  onlyIds?: NodeId[];
}

/**
 * `build`, `run`, `seed`, `snapshot`, `test`: select → plan → check upstream relations → run → artifacts.
 * Returns the exit code: 0 all passed, 1 something failed.
 */
export async function runCommand(command: Command, args: RunArgs, reporter: Reporter): Promise<number> {
  const started = Date.now();
  const eventTimes = eventTimeWindow(args);
  if (args.lockTimeout !== undefined && !(Number.isFinite(args.lockTimeout) && args.lockTimeout >= 0)) {
    throw new StrataError({ code: 'STR138', message: `--lock-timeout takes seconds (0 or more), not ${numberArg(args.lockTimeout)}`, hint: 'e.g. --lock-timeout 60' });
  }
  const project = loadProjectFor(args, reporter);
  prepareAdapter(project.target);
  const session = openSession(args, reporter, { project });
  reporter.info(describeProject(session));
  const selection = args.onlyIds ? retrySelection(session, args) : select(session, args, reporter);
  const fingerprints = fingerprintNodes(session.parsed);
  let parsed = session.parsed;
  if (args.defer) {
    if (!args.state) throw new StrataError({ code: 'STR162', message: '--defer needs --state DIR', hint: 'pass the target/ directory of an earlier run' });
    // The run reads the deferred relations; the parsed project itself is not changed.
    parsed = { ...parsed, manifest: deferToState(parsed.manifest, selection.ids, loadStateManifest(args.state)).manifest };
  }
  const plan = buildPlan(parsed.manifest, session.dag, selection.ids, command);
  const writer = new TargetWriter(project.root, project.paths.target, project.name, targetInfo(parsed, session.invocationId));
  if (plan.steps.length === 0) {
    writer.writeManifest(parsed.manifest, fingerprints);
    reporter.info('Nothing to do: the selection matched no node this command runs.');
    return 0;
  }
  const emptySeeds = emptySeedFiles(plan, parsed.manifest, project.root);
  if (emptySeeds.length > 0) throw new StrataError(emptySeeds.flatMap((file) => emptySeedError(file).diagnostics));
  const severities = singularTestSeverities(plan, parsed.manifest);
  if (severities.length > 0) throw new StrataError(severities);
  const notice = (message: string) => reporter.event({ type: 'notice', message });
  const adapter = await openAdapter(project.target, { onNotice: notice });
  let lock: HeldTargetLock | undefined;
  let interrupts: Interrupts | undefined;
  try {
    lock = await lockTarget(project.target, { timeoutSeconds: args.lockTimeout, command, onWait: notice });
    if (lock.waitedSeconds > 0) notice(`waited ${lock.waitedSeconds.toFixed(1)}s for the other run on this target to finish`);
    interrupts = listenForInterrupts(notice);
    await checkUpstream(adapter, plan, args.select);
    await prepareTarget(adapter, plan, parsed);
    const hookFailed = (error: unknown) => {
      if (!(error instanceof StrataError)) throw error;
      reporter.diagnostics(error.diagnostics);
      return 1;
    };
    try {
      await runProjectHooks(parsed, adapter, 'on-run-start');
    } catch (error) {
      return hookFailed(error);
    }
    reporter.event({ type: 'run-started', total: plan.steps.length, target: `${project.target.name} (${project.target.type})`, command });
    const results = await runPlan(
      plan,
      {
        parsed,
        adapter,
        runId: session.runId,
        fullRefresh: args.fullRefresh === true,
        empty: args.empty === true,
        ...eventTimes,
        writeCompiled: (node, sql) => writer.writeCompiled(node, sql),
        writeRun: (node, sql) => writer.writeRun(node, sql),
      },
      { threads: project.target.threads, failFast: args.failFast === true, emit: (event) => reporter.event(event), signal: interrupts.signal },
    );
    // As in dbt, on-run-end runs whatever happened to the nodes; not after an interrupt, which asks to stop.
    const endCode = interrupts.received ? 0 : await runProjectHooks(parsed, adapter, 'on-run-end').then(() => 0, hookFailed);
    const elapsed = (Date.now() - started) / 1000;
    writer.writeRunResults(results, elapsed, command, session.invocationId, parsed.manifest, invocationArgs(command, args));
    writer.flush();
    reporter.event({ type: 'run-finished', results, elapsed });
    if (interrupts.received) return INTERRUPTED_EXIT_CODE;
    const failed = results.some((r) => r.status === 'error' || r.status === 'fail' || (r.status === 'skipped' && args.failFast));
    return failed || endCode !== 0 ? 1 : 0;
  } finally {
    // After the run (whatever stopped it), so each node's compiled code is in the manifest, as in dbt's.
    writer.writeManifest(parsed.manifest, fingerprints);
    interrupts?.dispose();
    await lock?.release();
    await adapter.close();
    if (interrupts?.received) interrupts.raiseAgain();
  }
}

/**
 * The planned seeds whose CSV file is empty (or blank): an error before the database is opened, rather
 * than a seed failing mid-run (a stat per seed; only tiny files are read).
 */
function emptySeedFiles(plan: Plan, manifest: Manifest, root: string): string[] {
  const empty: string[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'seed') continue;
    const path = manifest.nodes[step.id]!.path;
    try {
      const size = statSync(join(root, path)).size;
      if (size === 0 || (size < 16 && readFileSync(join(root, path), 'utf8').trim() === '')) empty.push(path);
    } catch {
      // A missing file is the seed step's to report.
    }
  }
  return empty;
}

/**
 * Singular tests (and tests given a severity in project.yml) whose severity is neither warn nor error;
 * a generic test's YAML entry is checked when the project is parsed.
 */
function singularTestSeverities(plan: Plan, manifest: Manifest): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const step of plan.steps) {
    if (step.kind !== 'test') continue;
    const node = manifest.nodes[step.id]!;
    if (node.test?.position) continue;
    const problem = severityProblem(node.config.severity, `test '${node.name}'`, { file: node.path, ...placeOf(node.rawSql, 'severity') });
    if (problem) problems.push(problem);
  }
  return problems;
}

/**
 * `strata retry`: the nodes of the last run that failed or were skipped, as dbt retries them (whatever
 * the recorded selection now matches); those no longer in the project are left out.
 */
function retrySelection(session: Session, args: RunArgs): Selection {
  const nodes = session.parsed.manifest.nodes;
  const ids = session.dag.topologicalOrder(args.onlyIds!.filter((id) => nodes[id] !== undefined));
  session.parsed.renderer.run.selectedResources = [...ids];
  session.parsed.renderer.run.flags = { FULL_REFRESH: args.fullRefresh === true, WHICH: 'run' };
  return { ids, sources: [], exposures: [], warnings: [] };
}

/**
 * What run_results.json keeps of the invocation, in dbt's `args` names: `strata retry` runs the same
 * command with these flags again.
 *
 * @example invocationArgs('build', { select: ['gold'], fullRefresh: true, ... })  // { which: 'build', select: ['gold'], full_refresh: true, ... }
 */
export function invocationArgs(command: Command, args: RunArgs): Record<string, unknown> {
  const recorded: Record<string, unknown> = {
    which: command,
    invocation_command: ['strata', ...process.argv.slice(2)].join(' '),
    select: args.select,
    exclude: args.exclude,
    state: args.state,
    defer: args.defer || undefined,
    full_refresh: args.fullRefresh || undefined,
    fail_fast: args.failFast || undefined,
    empty: args.empty || undefined,
    target: args.target,
    vars: args.vars ? parseVars(args.vars) : undefined,
    threads: args.threads,
    event_time_start: args.eventTimeStart,
    event_time_end: args.eventTimeEnd,
    lock_timeout: args.lockTimeout,
  };
  for (const key of Object.keys(recorded)) if (recorded[key] === undefined) delete recorded[key];
  return recorded;
}

/** `--event-time-start` and `--event-time-end`, both or neither, as dbt asks; the start before the end. */
function eventTimeWindow(args: RunArgs): { eventTimeStart?: Date; eventTimeEnd?: Date } {
  if (args.eventTimeStart === undefined && args.eventTimeEnd === undefined) return {};
  const wrong = (message: string, hint = "write them as '2024-01-01' or '2024-01-01 06:00:00' (UTC)") => {
    throw new StrataError({ code: 'STR136', message, hint });
  };
  if (args.eventTimeStart === undefined || args.eventTimeEnd === undefined) {
    wrong(`--event-time-${args.eventTimeStart === undefined ? 'end' : 'start'} needs --event-time-${args.eventTimeStart === undefined ? 'start' : 'end'} too`);
  }
  const start = parseEventTime(args.eventTimeStart);
  const end = parseEventTime(args.eventTimeEnd);
  if (!start) wrong(`--event-time-start '${args.eventTimeStart}' is not a date or timestamp`);
  if (!end) wrong(`--event-time-end '${args.eventTimeEnd}' is not a date or timestamp`);
  if (start! >= end!) wrong(`--event-time-start (${args.eventTimeStart}) must be before --event-time-end (${args.eventTimeEnd})`, 'swap them');
  return { eventTimeStart: start, eventTimeEnd: end };
}
