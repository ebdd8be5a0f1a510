/**
 * The DAG executor on its own, without a database: ready order, workers, skip-on-failure, fail-fast,
 * interrupts. Tasks take a number of event-loop turns, so every schedule here is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { executeDag, type DagTask, type ExecutorControl } from '../../compiler/run/dag-executor.js';

interface Task extends DagTask {
  /** Event-loop turns the task takes (default 1). */
  turns?: number;
  fails?: boolean;
  /** Calls `control.stop(reason)` while running (as a lost connection does). */
  stops?: string;
}
type Result = { id: string; status: 'ok' | 'failed' | 'skipped'; reason?: string; index: number };

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function execute(tasks: Task[], options: { concurrency?: number; failFast?: boolean; signal?: AbortSignal; onStart?: (id: string) => void } = {}) {
  const started: string[] = [];
  const stops: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const results = await executeDag<Task, Result>(tasks, {
    concurrency: options.concurrency ?? 1,
    failFast: options.failFast,
    signal: options.signal,
    onStop: (reason) => stops.push(reason),
    run: async (task, index, control: ExecutorControl) => {
      started.push(task.id);
      options.onStart?.(task.id);
      running++;
      maxRunning = Math.max(maxRunning, running);
      for (let i = 0; i < (task.turns ?? 1); i++) await turn();
      if (task.stops) control.stop(task.stops);
      running--;
      return { id: task.id, status: task.fails ? 'failed' : 'ok', index };
    },
    skipped: (task, reason, index) => ({ id: task.id, status: 'skipped', reason, index }),
    verdict: (result) => (result.status === 'failed' ? { ok: false, skipDependents: `skipped: ${result.id} failed` } : { ok: true }),
  });
  return { results, started, stops, maxRunning };
}

const t = (id: string, after: string[] = [], extra: Partial<Task> = {}): Task => ({ id, after, ...extra });
const summary = (results: Result[]) => results.map((r) => (r.status === 'skipped' ? `${r.id}:skipped(${r.reason})` : `${r.id}:${r.status}`));

describe('executeDag', () => {
  const cases: { name: string; tasks: Task[]; concurrency?: number; failFast?: boolean; started: string[]; results: string[]; maxRunning?: number; stops?: string[] }[] = [
    {
      name: 'a chain runs in dependency order',
      tasks: [t('c', ['b']), t('b', ['a']), t('a')],
      started: ['a', 'b', 'c'],
      results: ['a:ok', 'b:ok', 'c:ok'],
    },
    {
      name: 'ready tasks start in the order they are listed, whatever made them ready',
      tasks: [t('root'), t('late', ['root']), t('early', ['root']), t('free')],
      started: ['root', 'late', 'early', 'free'],
      results: ['root:ok', 'late:ok', 'early:ok', 'free:ok'],
    },
    {
      name: 'no more than `concurrency` tasks run at once',
      tasks: ['a', 'b', 'c', 'd', 'e'].map((id) => t(id, [], { turns: 3 })),
      concurrency: 2,
      started: ['a', 'b', 'c', 'd', 'e'],
      results: ['a:ok', 'b:ok', 'c:ok', 'd:ok', 'e:ok'],
      maxRunning: 2,
    },
    {
      name: 'a failure skips its descendants, with its name, and the rest goes on',
      tasks: [t('a', [], { fails: true }), t('b', ['a']), t('c', ['b']), t('d'), t('e', ['d'])],
      started: ['a', 'd', 'e'],
      results: ['a:failed', 'b:skipped(skipped: a failed)', 'c:skipped(skipped: a failed)', 'd:ok', 'e:ok'],
    },
    {
      name: 'a task with two parents is skipped once when both fail',
      tasks: [t('a', [], { fails: true }), t('b', [], { fails: true }), t('c', ['a', 'b'])],
      concurrency: 2,
      started: ['a', 'b'],
      results: ['a:failed', 'c:skipped(skipped: a failed)', 'b:failed'],
    },
    {
      name: 'fail-fast: the first failure skips everything not started; what runs finishes',
      tasks: [t('slow', [], { turns: 5 }), t('bad', [], { fails: true }), t('next'), t('after', ['slow'])],
      concurrency: 2,
      failFast: true,
      started: ['slow', 'bad'],
      results: ['bad:failed', 'next:skipped(skipped: --fail-fast)', 'after:skipped(skipped: --fail-fast)', 'slow:ok'],
      stops: ['skipped: --fail-fast'],
    },
    {
      name: 'a task can stop the run (a lost connection): the rest is skipped with its reason, onStop once',
      tasks: [t('a', [], { stops: 'skipped: the connection to the database was lost' }), t('b'), t('c', ['a'])],
      started: ['a'],
      results: ['a:ok', 'b:skipped(skipped: the connection to the database was lost)', 'c:skipped(skipped: the connection to the database was lost)'],
      stops: ['skipped: the connection to the database was lost'],
    },
    {
      name: 'a task waiting on an id that is not a task never starts, and is skipped at the end',
      tasks: [t('a'), t('orphan', ['missing']), t('b', ['orphan'])],
      started: ['a'],
      results: ['a:ok', 'orphan:skipped(skipped)', 'b:skipped(skipped)'],
    },
    {
      name: 'no tasks: resolves at once with no results',
      tasks: [],
      started: [],
      results: [],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const run = await execute(c.tasks, { concurrency: c.concurrency, failFast: c.failFast });
      expect(run.started).toEqual(c.started);
      expect(summary(run.results)).toEqual(c.results);
      expect(run.stops).toEqual(c.stops ?? []);
      if (c.maxRunning !== undefined) expect(run.maxRunning).toBe(c.maxRunning);
      // Every task has exactly one result, and indexes count 1..n without gaps.
      expect(run.results.map((r) => r.id).sort()).toEqual(c.tasks.map((task) => task.id).sort());
      expect(run.results.map((r) => r.index).sort((x, y) => x - y)).toEqual(c.tasks.map((_, i) => i + 1));
    });
  }

  it('an interrupt starts nothing new: the running task finishes, the rest is skipped as interrupted', async () => {
    const controller = new AbortController();
    const run = await execute([t('a', [], { turns: 3 }), t('b'), t('c', ['a'])], {
      signal: controller.signal,
      onStart: (id) => {
        if (id === 'a') setImmediate(() => controller.abort('SIGINT'));
      },
    });
    expect(run.started).toEqual(['a']);
    expect(summary(run.results)).toEqual(['b:skipped(skipped: interrupted (SIGINT))', 'c:skipped(skipped: interrupted (SIGINT))', 'a:ok']);
    expect(run.stops).toEqual(['skipped: interrupted (SIGINT)']);
  });

  it('a signal aborted before the start skips every task', async () => {
    const controller = new AbortController();
    controller.abort('SIGTERM');
    const run = await execute([t('a'), t('b', ['a'])], { signal: controller.signal });
    expect(run.started).toEqual([]);
    expect(summary(run.results)).toEqual(['a:skipped(skipped: interrupted (SIGTERM))', 'b:skipped(skipped: interrupted (SIGTERM))']);
  });

  it('an error escaping a task rejects the run instead of hanging it', async () => {
    const run = executeDag<Task, Result>([t('a'), t('b', ['a'])], {
      concurrency: 1,
      run: async () => {
        throw new Error('handler bug');
      },
      skipped: (task, reason, index) => ({ id: task.id, status: 'skipped', reason, index }),
      verdict: () => ({ ok: true }),
    });
    await expect(run).rejects.toThrow('handler bug');
  });

  it('a failure at the head of a chain of 20,000 tasks skips them all (no deep recursion)', async () => {
    const tasks = [t('n0', [], { fails: true }), ...Array.from({ length: 19_999 }, (_, i) => t(`n${i + 1}`, [`n${i}`]))];
    const run = await execute(tasks);
    expect(run.started).toEqual(['n0']);
    expect(run.results).toHaveLength(20_000);
    expect(run.results.filter((r) => r.reason === 'skipped: n0 failed')).toHaveLength(19_999);
  });
});
