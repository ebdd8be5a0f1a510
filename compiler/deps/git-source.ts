/**
 * Git packages through the `git` CLI, as dbt does: clone (all branches and tags, no checkout), resolve
 * the revision to a commit, check it out, and hand back the folder holding the package (the repository
 * root or its `subdirectory`). Prompts are disabled so a private URL without credentials fails fast.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class GitFailure extends Error {
  constructor(
    readonly reason: 'unreachable' | 'revision' | 'subdirectory',
    message: string,
  ) {
    super(message);
  }
}

export interface CheckedOut {
  /** The full commit id checked out. */
  sha: string;
  /** The folder holding the package (inside the clone). */
  dir: string;
}

async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd,
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'echo', LC_ALL: 'C' },
  });
  return stdout.trim();
}

function firstLine(error: unknown): string {
  const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
  const lines = stderr.split('\n').filter((line) => line && !line.startsWith('Cloning into'));
  return lines.find((line) => /fatal|error/i.test(line)) ?? lines[0] ?? (error as Error).message;
}

/**
 * Clones `url` into `cloneDir` and checks out `revision` (a tag, branch or commit; the default branch
 * when undefined).
 *
 * @example const { sha, dir } = await checkoutGitPackage('https://github.com/dbt-labs/dbt-utils.git', '1.4.1', undefined, tmp);
 */
export async function checkoutGitPackage(url: string, revision: string | undefined, subdirectory: string | undefined, cloneDir: string): Promise<CheckedOut> {
  try {
    await git(['clone', '--quiet', '--no-checkout', '--', url, cloneDir]);
  } catch (error) {
    throw new GitFailure('unreachable', `cannot clone ${url}: ${firstLine(error)}`);
  }
  const sha = await resolveRevision(cloneDir, revision);
  if (!sha) throw new GitFailure('revision', `revision '${revision}' is not a tag, branch or commit of ${url}`);
  try {
    await git(['checkout', '--quiet', '--force', sha], cloneDir);
  } catch (error) {
    throw new GitFailure('revision', `cannot check out ${sha} of ${url}: ${firstLine(error)}`);
  }
  const dir = subdirectory ? path.join(cloneDir, subdirectory) : cloneDir;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new GitFailure('subdirectory', `subdirectory '${subdirectory}' does not exist at revision ${revision ?? 'HEAD'} (${sha.slice(0, 7)}) of ${url}`);
  return { sha, dir };
}

/** Tags first, then remote branches, then anything git understands (a full or short commit id). */
async function resolveRevision(repo: string, revision: string | undefined): Promise<string | undefined> {
  const candidates = revision === undefined || revision === 'HEAD' ? ['HEAD'] : [`refs/tags/${revision}`, `refs/remotes/origin/${revision}`, revision];
  for (const candidate of candidates) {
    try {
      const sha = await git(['rev-parse', '--verify', '--quiet', `${candidate}^{commit}`], repo);
      if (sha) return sha;
    } catch {
      // not this kind of revision: try the next
    }
  }
  return undefined;
}

/** True when `revision` looks like a full commit id (a pinned git package). */
export function isCommitId(revision: string | undefined): boolean {
  return !!revision && /^[0-9a-f]{40}$/i.test(revision);
}
