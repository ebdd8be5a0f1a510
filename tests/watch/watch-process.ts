/**
 * `strata watch` as a child process: start it on a project directory, write files, and read its output
 * block by block (one block per change set, ending with its summary line).
 *
 * @example
 *   const watch = startWatchProcess(dir);
 *   await watch.nextBlock();                  // the first build
 *   fs.writeFileSync(path.join(dir, 'models/b.sql'), 'select 2 as id');
 *   expect(ranIn(await watch.nextBlock())).toEqual(['b']);
 *   await watch.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../engine/cli.js';

const BIN = path.join(REPO_ROOT, 'bin/strata.js');

/** The last line printed is the one the loop prints when it waits for changes. */
const IDLE_AT_END = /(^|\n)Watching for changes\.[^\n]*\n$/;

/** The line that ends a change set's block: a summary, a parse problem, or nothing to do. */
const BLOCK_END = /^(Done\. PASS=.*|Not rebuilt: .*|nothing to rebuild: .*)$/m;

export interface WatchProcess {
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Waits for the next complete block (from `── ` to its end line) and returns it. */
  nextBlock(timeoutMs?: number): Promise<string>;
  /** Resolves once the process is waiting for changes: the last line it printed is the idle line. */
  idle(timeoutMs?: number): Promise<void>;
  /** Marks everything printed so far as read: nextBlock() looks only at what comes after. */
  skipOutput(): void;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

export function startWatchProcess(dir: string, args: string[] = []): WatchProcess {
  const child = spawn(process.execPath, [BIN, 'watch', '--project-dir', dir, '--debounce', '100', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let consumed = 0;
  const waiters = new Set<() => void>();
  const onData = (chunk: string) => {
    text += chunk;
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  exited.then(() => {
    for (const waiter of [...waiters]) waiter();
  });

  const waitUntil = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value !== undefined) {
          cleanup();
          resolve(value);
        } else if (child.exitCode !== null) {
          cleanup();
          reject(new Error(`strata watch exited (${child.exitCode}) while waiting for ${what}:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; output so far:\n${text}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(attempt);
      };
      waiters.add(attempt);
      attempt();
    });

  return {
    child,
    output: () => text,
    nextBlock(timeoutMs = 45_000) {
      return waitUntil(
        () => {
          const start = text.indexOf('── ', consumed);
          if (start < 0) return undefined;
          const rest = text.slice(start);
          const end = BLOCK_END.exec(rest);
          if (!end) return undefined;
          const block = rest.slice(0, end.index + end[0].length);
          consumed = start + block.length;
          return block;
        },
        'the next change set',
        timeoutMs,
      );
    },
    idle(timeoutMs = 45_000) {
      return waitUntil(() => (IDLE_AT_END.test(text) ? true : undefined), 'the idle line', timeoutMs).then(() => undefined);
    },
    skipOutput() {
      consumed = text.length;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Names of the nodes a block reports as run, in order: `  2 of 5 OK created view model wt.b ... [CREATE VIEW in 0.01s]`
 * → `b`, `  3 of 5 PASS test not_null_b_id ...` → `not_null_b_id`.
 */
export function ranIn(block: string): string[] {
  const line = /^ {2}\d+ of \d+ (?:OK|PASS|WARN|FAIL|ERROR|SKIP) (?:created )?(?:test (\S+)|unit test (\S+)|\S+ (?:model|seed|snapshot) (?:\S+\.)?(\S+)|loaded seed file (?:\S+\.)?(\S+))/gm;
  return [...block.matchAll(line)].map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!);
}
