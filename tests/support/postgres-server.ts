/**
 * A Postgres server for the test suites: the one named by STRATA_TEST_PG_URL, or a throwaway one
 * started from local PostgreSQL binaries through .ci/postgres-server.sh (the script .ci/run uses too).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SERVER_SCRIPT = fileURLToPath(new URL('../../.ci/postgres-server.sh', import.meta.url));

export type TestPostgres =
  | { available: true; url: string; stop(): Promise<void> }
  | { available: false; reason: string };

/**
 * @example
 *   const server = await startTestPostgres();
 *   if (server.available) { ...server.url...; await server.stop(); }
 */
export async function startTestPostgres(env: NodeJS.ProcessEnv = process.env): Promise<TestPostgres> {
  const given = env.STRATA_TEST_PG_URL?.trim();
  if (given) return { available: true, url: given, stop: async () => {} };

  try {
    await run('bash', [SERVER_SCRIPT, 'find-bin']);
  } catch (error) {
    const { code } = error as { code?: number | string };
    return {
      available: false,
      reason:
        code === 'ENOENT'
          ? 'bash is not available to start a PostgreSQL server, and STRATA_TEST_PG_URL is not set'
          : 'no PostgreSQL binaries (initdb, pg_ctl) on PATH or under /usr/lib/postgresql/*/bin, and STRATA_TEST_PG_URL is not set',
    };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-test-postgres-'));
  try {
    const { stdout } = await run('bash', [SERVER_SCRIPT, 'start', dir], { timeout: 120_000 });
    const url = stdout.trim().split('\n').pop() ?? '';
    if (!url.startsWith('postgres://')) throw new Error(`unexpected output from ${SERVER_SCRIPT}: ${stdout}`);
    return {
      available: true,
      url,
      stop: async () => {
        await run('bash', [SERVER_SCRIPT, 'stop', dir]).catch(() => fs.rmSync(dir, { recursive: true, force: true }));
      },
    };
  } catch (error) {
    await run('bash', [SERVER_SCRIPT, 'stop', dir]).catch(() => {});
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`could not start a throwaway PostgreSQL server: ${stderr?.trim() || message}`);
  }
}
