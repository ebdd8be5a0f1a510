/**
 * Ctrl-C and SIGTERM cancel the run's statements on the server, roll back, write run_results.json and
 * end the process by the same signal (status 130 in a shell for Ctrl-C); a client killed with -9 leaves no statement running on the server for long
 * (client_connection_check_interval).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenForInterrupts } from '../../compiler/run/interrupts.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, REPO_ROOT, runResults, withAdapter } from '../engine/cli.js';

/** A model that sleeps `seconds` on the server, marked with `marker` so pg_stat_activity can find it. */
function slowModel(seconds: number, marker: string): string {
  return `select id, pg_sleep(${seconds}) is null as ${marker} from {{ ref('base_ids') }} where id = 1`;
}

interface Running {
  output: () => string;
  waitFor(pattern: RegExp): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function startStrata(args: string[]): Running {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/strata.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const wake of listeners.splice(0)) wake();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const wake of listeners.splice(0)) wake();
      resolve({ code, signal });
    }),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  void exited.then(() => clearTimeout(timer));
  return {
    output: () => output,
    async waitFor(pattern) {
      while (!pattern.test(output)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before ${pattern}:\n${output}`);
        await new Promise<void>((resolve) => listeners.push(resolve));
      }
    },
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/** Statements on the server whose text holds `marker`, other than the query asking. */
async function statementsWith(target: TargetConfig, marker: string): Promise<number> {
  return withAdapter(target, async (adapter) => {
    const found = await adapter.query<{ n: string }>(
      `select count(*)::text as n from pg_stat_activity where query like $1 and pid <> pg_backend_pid() and state <> 'idle'`,
      [`%${marker}%`],
    );
    return Number(found.rows[0].n);
  });
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return check();
}

describeEachEngine('interrupting a run', (engine) => {
  const postgresOnly = engine.name !== 'postgres';

  it.skipIf(postgresOnly).each(['SIGINT', 'SIGTERM'] as const)(
    '%s during a long model: cancelled on the server, run_results.json written, ended by the signal (exit 130 for SIGINT)',
    async (signal) => {
      const schema = uniqueSchema('interrupt');
      const marker = `slept_${schema}`;
      const target = engine.makeTarget(schema);
      const dir = projectOn('safety', target, {
        'models/slow.sql': slowModel(60, marker),
        'models/after_slow.sql': "select * from {{ ref('slow') }}",
      });
      const run = startStrata(['build', '--project-dir', dir]);
      await run.waitFor(/START table model \S+\.slow /);
      expect(await waitUntil(async () => (await statementsWith(target, marker)) > 0, 10_000)).toBe(true);
      const sent = Date.now();
      run.kill(signal);
      const exit = await run.exited;
      // Ended by the signal itself after the cleanup: a shell sees status 130 (SIGINT) or 143 (SIGTERM).
      expect(exit, run.output()).toEqual({ code: null, signal });
      expect(Date.now() - sent).toBeLessThan(15_000);
      expect(run.output()).toMatch(/cancelling the running statements/);
      expect(run.output()).toMatch(/Done\. PASS=1 WARN=0 ERROR=0 SKIP=2 TOTAL=3/);

      const results = runResults(dir);
      expect(results.get('base_ids')?.status).toBe('success');
      expect(results.get('slow')?.status).toBe('skipped');
      expect(results.get('slow')?.message).toMatch(/cancelled: interrupted/);
      expect(results.get('after_slow')?.status).toBe('skipped');
      expect(await statementsWith(target, marker)).toBe(0);
      await withAdapter(target, async (adapter) => {
        const left = await adapter.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and relname like 'slow%'`, [schema]);
        expect(left.rows).toEqual([]);
      });
      expect(fs.existsSync(path.join(dir, 'target/manifest.json'))).toBe(true);
    },
  );

  it.skipIf(postgresOnly)('kill -9 of the client: the server ends its statement within seconds', async () => {
    const schema = uniqueSchema('killed');
    const marker = `slept_${schema}`;
    const target = engine.makeTarget(schema);
    const dir = projectOn('safety', target, { 'models/slow.sql': slowModel(60, marker) });
    const run = startStrata(['build', '--project-dir', dir]);
    await run.waitFor(/START table model \S+\.slow /);
    expect(await waitUntil(async () => (await statementsWith(target, marker)) > 0, 10_000)).toBe(true);
    run.kill('SIGKILL');
    await run.exited;
    // Default check interval 5 s: gone well before the 60 s the statement would take.
    expect(await waitUntil(async () => (await statementsWith(target, marker)) === 0, 15_000)).toBe(true);
  });
});

describe('listenForInterrupts', () => {
  it('aborts on the first signal and exits 130 on the second', () => {
    const messages: string[] = [];
    const exits: number[] = [];
    const interrupts = listenForInterrupts((m) => messages.push(m), (code) => exits.push(code));
    try {
      process.emit('SIGINT', 'SIGINT');
      expect(interrupts.signal.aborted).toBe(true);
      expect(interrupts.received).toBe('SIGINT');
      expect(exits).toEqual([]);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([130]);
      expect(messages[0]).toMatch(/Ctrl-C: cancelling the running statements/);
    } finally {
      interrupts.dispose();
    }
  });
});
