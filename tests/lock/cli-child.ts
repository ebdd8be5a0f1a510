/**
 * Strata processes for the ownership suites: the built CLI (`node bin/strata.js`) or a fixture script,
 * as a child whose output can be awaited line by line, on a tiny project with its own data directory.
 *
 * @example
 *   const project = tinyProject();
 *   const owner = startStrata(['build', '--project-dir', project.dir]);
 *   await owner.waitFor(/START table model tiny\.s1/);
 *   const second = await runStrata(['build', '--project-dir', project.dir]);
 *   expect(second.code).toBe(2);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, inject } from 'vitest';
import { copyPgliteTemplate } from '../support/pglite-template.js';
import '../support/provided-context.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin/strata.js');
export const HOLD_DATABASE = fileURLToPath(new URL('./fixtures/hold-database.mjs', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

export interface StrataChild {
  readonly process: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves with the first output line matching `pattern`; rejects if the child exits first. */
  waitFor(pattern: RegExp): Promise<string>;
  readonly exited: Promise<Exit>;
}

/** Children killed after each test, and those that live until the end of the file. */
const children: ChildProcess[] = [];
const fileChildren: ChildProcess[] = [];
const tempDirs: string[] = [];

const killAll = (list: ChildProcess[]) => {
  for (const child of list.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
afterEach(() => killAll(children));
afterAll(() => {
  killAll(fileChildren);
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * `strata <args>` (or `node <script> <args>` with `script`) running in the background; killed after the
 * test, or after the file with `untilFileEnd` (an owner started in beforeAll).
 */
export function startStrata(args: string[], options: { script?: string; untilFileEnd?: boolean } = {}): StrataChild {
  const child = spawn(process.execPath, [options.script ?? BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  (options.untilFileEnd ? fileChildren : children).push(child);
  let output = '';
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      wake();
    });
  }
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      wake();
      resolve({ code, signal, output });
    }),
  );
  const waitFor = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const line = output.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return line;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the child exited without printing ${pattern}:\n${output}`);
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { process: child, pid: child.pid!, output: () => output, waitFor, exited };
}

/** `strata <args>` to its end. */
export function runStrata(args: string[]): Promise<Exit> {
  return startStrata(args).exited;
}

export interface TinyProject {
  dir: string;
  dataDir: string;
  lockFile: string;
}

/**
 * A project of a few table models on its own embedded data directory (copied from the test template):
 * `base` (1 row), then `s1` → `s2` → … each reading the previous and sleeping `sleepSeconds` in PGlite.
 */
export function tinyProject(options: { slowModels?: number; sleepSeconds?: number } = {}): TinyProject {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-lock-cli-'));
  tempDirs.push(dir);
  const dataDir = path.join(dir, '.strata', 'dev');
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  copyPgliteTemplate(inject('pgliteTemplateDir'), dataDir);
  fs.writeFileSync(
    path.join(dir, 'project.yml'),
    `name: tiny\nmodels:\n  tiny:\n    +materialized: table\ntarget: dev\ntargets:\n  dev: ${JSON.stringify({ type: 'pglite', path: dataDir, schema: 'tiny' })}\n`,
  );
  fs.mkdirSync(path.join(dir, 'models'));
  fs.writeFileSync(path.join(dir, 'models/base.sql'), "select 1 as id, 'first' as name union all select 2, 'second'\n");
  let previous = 'base';
  for (let i = 1; i <= (options.slowModels ?? 0); i++) {
    fs.writeFileSync(
      path.join(dir, `models/s${i}.sql`),
      `select id, name, pg_sleep(${options.sleepSeconds ?? 1}) is null as slept from {{ ref('${previous}') }}\n`,
    );
    previous = `s${i}`;
  }
  return { dir, dataDir, lockFile: path.join(dataDir, 'strata.lock') };
}

/** The lock file's JSON, or undefined when there is none. */
export function readLock(project: TinyProject): { pid: number; command: string; server?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(project.lockFile, 'utf8')) as { pid: number; command: string; server?: unknown };
  } catch {
    return undefined;
  }
}
