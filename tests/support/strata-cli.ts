/**
 * The CLI as users run it: `node bin/strata.js <args>` in a child process, and a way to look at the
 * database it built. Shared by the end-to-end suites.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { openAdapter } from '../../compiler/adapters/open-adapter.js';
import type { TargetConfig } from '../../compiler/project/target.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = path.join(REPO_ROOT, 'bin/strata.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions that do not care which. */
  output: string;
}

export interface CliOptions {
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /** The child is killed after this long (default 90 s). */
  timeoutMs?: number;
  /** Working directory of the child (default: the repository root). */
  cwd?: string;
}

/**
 * `strata <args>`; resolves when the child exits (never rejects on a non-zero exit code).
 *
 * @example const { exitCode, stdout } = await strata(['ls', '--project-dir', dir, '--output', 'name']);
 */
export function strata(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runNodeScript(BIN, args, options);
}

/** `node <script> <args>` from the repository root, its output collected; resolves when it exits. */
export function runNodeScript(script: string, args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? (signal ? 128 : -1), stdout, stderr, output: `${stdout}\n${stderr}` });
    });
  });
}

/** Opens an adapter on `target` for the duration of `fn` (PGlite: only while no CLI child has it open). */
export async function withAdapter<T>(target: TargetConfig, fn: (adapter: Adapter) => Promise<T>): Promise<T> {
  const adapter = await openAdapter(target);
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}
