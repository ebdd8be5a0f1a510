/**
 * `strata retry`: runs again what failed or was skipped in the last run_results.json, with the command
 * and flags that run had (dbt keeps them in `args`); `--threads` and `--vars` given now win, as in dbt.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { StrataError } from '../diagnostics/strata-error.js';
import type { Reporter } from '../report/reporter.js';
import type { NodeId } from '../manifest/types.js';
import type { Command } from '../plan/build-plan.js';
import { runCommand, type RunArgs } from './run-command.js';
import { loadProjectFor, type CommonArgs } from './session.js';

/** dbt's retryable statuses (`runtime error` and `partial success` are written by dbt itself). */
export const RETRYABLE = new Set(['error', 'fail', 'skipped', 'runtime error', 'partial success']);

const RETRYABLE_COMMANDS = new Set<Command>(['build', 'run', 'seed', 'snapshot', 'test']);

interface PreviousRun {
  file: string;
  command: string;
  args: Record<string, unknown>;
  results: { unique_id: string; status: string }[];
}

/**
 * @example retryCommand({ projectDir: '.', logFormat: 'text' }, reporter)  // 1 when the rerun fails again
 */
export async function retryCommand(args: CommonArgs, reporter: Reporter): Promise<number> {
  const previous = readPreviousRun(args);
  // A watch cycle builds and tests what changed: its failures are retried by a build of them.
  const command = (previous.command === 'watch' ? 'build' : previous.command) as Command;
  if (!RETRYABLE_COMMANDS.has(command)) {
    throw new StrataError({
      code: 'STR168',
      message: `${previous.file} was written by '${previous.command}', which strata retry does not rerun`,
      hint: 'retry reruns build, run, seed, snapshot and test (and watch, as build)',
    });
  }
  const ids = [...new Set(previous.results.filter((r) => RETRYABLE.has(r.status)).map((r) => r.unique_id as NodeId))];
  if (ids.length === 0) {
    reporter.info(`Nothing to retry: the last 'strata ${previous.command}' (${previous.file}) had no error, failure or skipped node.`);
    return 0;
  }
  reporter.info(`Retrying ${ids.length} ${ids.length === 1 ? 'node' : 'nodes'} of the last 'strata ${previous.command}' that failed or were skipped.`);
  return runCommand(command, { ...previousFlags(previous.args), ...currentFlags(args), onlyIds: ids }, reporter);
}

/** The run_results.json in `--state DIR`, else in the project's target directory. */
function readPreviousRun(args: CommonArgs): PreviousRun {
  const dir = args.state ?? loadProjectFor({ ...args, select: undefined, exclude: undefined }, undefined).paths.target;
  const base = args.state ? dir : join(args.projectDir, dir);
  const file = isAbsolute(dir) ? join(dir, 'run_results.json') : join(base, 'run_results.json');
  const shown = args.state ? join(args.state, 'run_results.json') : join(dir, 'run_results.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StrataError({
      code: 'STR168',
      message: `no previous run to retry: ${shown} does not exist`,
      hint: 'run strata build (or run, seed, snapshot, test) first, or pass --state with the target/ of that run',
    });
  }
  let json: { args?: Record<string, unknown>; results?: { unique_id: string; status: string }[] };
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StrataError({ code: 'STR168', message: `${shown} is not valid JSON: ${(error as Error).message}`, hint: 'run the command again to write it anew' });
  }
  const command = typeof json.args?.which === 'string' ? json.args.which : undefined;
  if (!command || !Array.isArray(json.results)) {
    throw new StrataError({ code: 'STR168', message: `${shown} does not say which command wrote it (args.which)`, hint: 'run the command again to write it anew' });
  }
  return { file: shown, command, args: json.args ?? {}, results: json.results };
}

/** The recorded flags, in the names run-command reads. */
function previousFlags(recorded: Record<string, unknown>): Partial<RunArgs> {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  const flag = (v: unknown) => v === true;
  const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
  return {
    select: list(recorded.select),
    exclude: list(recorded.exclude),
    state: text(recorded.state),
    defer: flag(recorded.defer),
    fullRefresh: flag(recorded.full_refresh),
    failFast: flag(recorded.fail_fast),
    empty: flag(recorded.empty),
    target: text(recorded.target),
    vars: recorded.vars && typeof recorded.vars === 'object' ? JSON.stringify(recorded.vars) : undefined,
    threads: number(recorded.threads),
    eventTimeStart: text(recorded.event_time_start),
    eventTimeEnd: text(recorded.event_time_end),
    lockTimeout: number(recorded.lock_timeout),
  };
}

/** What this command line sets: where the project is, and the flags that may differ from the last run. */
function currentFlags(args: CommonArgs): RunArgs {
  const current: RunArgs = { projectDir: args.projectDir, logFormat: args.logFormat, profilesDir: args.profilesDir, profile: args.profile };
  if (args.target !== undefined) current.target = args.target;
  if (args.vars !== undefined) current.vars = args.vars;
  if (args.threads !== undefined) current.threads = args.threads;
  return current;
}
