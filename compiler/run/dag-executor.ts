/**
 * Runs tasks in dependency order on up to N workers: the ready set, skip-on-failure, stopping early
 * (fail-fast, an interrupt, a lost connection). It knows nothing of nodes, databases or events: the run
 * (run-plan.ts) gives it a function that does one task and one that says what a skipped task's result is.
 */

export interface DagTask {
  id: string;
  /** Ids of the tasks that must finish, without failing, before this one starts. */
  after: readonly string[];
}

/** What a task's result means for the tasks that wait on it. */
export type Verdict = { ok: true } | { ok: false; skipDependents: string };

export interface ExecutorControl {
  /** Starts nothing new: every task not yet started is skipped with `reason`; `onStop` is called once. */
  stop(reason: string): void;
  readonly stopped: boolean;
}

export interface DagExecutorOptions<T extends DagTask, R> {
  /** At most this many tasks run at once (at least 1). */
  concurrency: number;
  /** Does one task. `index` counts tasks in the order they start or are skipped, from 1. */
  run(task: T, index: number, control: ExecutorControl): Promise<R>;
  /** The result of a task that did not run, and why (`skipped: stg_orders failed`). */
  skipped(task: T, reason: string, index: number): R;
  verdict(result: R, task: T): Verdict;
  /** Called as each task finishes or is skipped, in that order. */
  finished?(result: R, task: T, index: number): void;
  /** Stop at the first failure: skip everything not started (reason `skipped: --fail-fast`). */
  failFast?: boolean;
  /** Aborted: start nothing new; what runs finishes (the caller cancels it through `onStop`). */
  signal?: AbortSignal;
  /** Called once when the run stops early, e.g. to cancel the statements still running. */
  onStop?(reason: string): void;
}

/**
 * Runs every task once, or skips it. A task starts when all of its `after` tasks finished without
 * failing; among ready tasks, the earliest in `tasks` goes first. A failed task skips its dependents
 * (transitively) and the rest goes on. Tasks that can never start (waiting on an id that is not a
 * task) are skipped at the end with reason `skipped`. Resolves with every result, in finishing order.
 *
 * @example
 *   await executeDag([{ id: 'a', after: [] }, { id: 'b', after: ['a'] }], {
 *     concurrency: 2, run: async (t) => build(t), skipped: (t, why) => ({ id: t.id, why }), verdict: (r) => ({ ok: true }),
 *   });
 */
export function executeDag<T extends DagTask, R>(tasks: readonly T[], options: DagExecutorOptions<T, R>): Promise<R[]> {
  const position = new Map<string, number>();
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  tasks.forEach((task, i) => {
    position.set(task.id, i);
    waiting.set(task.id, task.after.length);
    for (const parent of task.after) {
      const list = dependents.get(parent);
      if (list) list.push(task.id);
      else dependents.set(parent, [task.id]);
    }
  });
  const concurrency = Math.max(1, options.concurrency);
  const results: R[] = [];
  const done = new Set<string>();
  const started = new Set<string>();
  /** Ready tasks by position in `tasks`, so the order is the caller's whatever the finishing order. */
  const ready = new ReadyQueue(tasks.filter((task) => task.after.length === 0).map((task) => position.get(task.id)!));
  let counter = 0;
  let running = 0;
  let stopReason: string | undefined;

  return new Promise<R[]>((resolve, reject) => {
    const record = (task: T, result: R, index: number) => {
      done.add(task.id);
      results.push(result);
      options.finished?.(result, task, index);
    };
    const skip = (id: string, reason: string) => {
      // Iterative: a failure early in a long chain skips thousands of descendants.
      const stack = [id];
      while (stack.length > 0) {
        const next = stack.pop()!;
        if (done.has(next) || started.has(next)) continue;
        const task = tasks[position.get(next)!]!;
        const index = ++counter;
        record(task, options.skipped(task, reason, index), index);
        const children = dependents.get(next);
        if (children) for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      }
    };
    const control: ExecutorControl = {
      stop(reason: string) {
        if (stopReason !== undefined) return;
        stopReason = reason;
        options.onStop?.(reason);
      },
      get stopped() {
        return stopReason !== undefined;
      },
    };
    const onAbort = () => {
      control.stop(`skipped: interrupted (${String(options.signal?.reason ?? 'signal')})`);
      pump();
    };
    const finish = (task: T, index: number, result: R) => {
      running--;
      record(task, result, index);
      const verdict = options.verdict(result, task);
      const children = dependents.get(task.id) ?? [];
      if (!verdict.ok) {
        for (const child of children) skip(child, verdict.skipDependents);
        if (options.failFast) control.stop('skipped: --fail-fast');
      } else {
        for (const child of children) {
          const left = waiting.get(child)! - 1;
          waiting.set(child, left);
          if (left === 0 && !done.has(child)) ready.push(position.get(child)!);
        }
      }
      pump();
    };
    const start = (task: T) => {
      running++;
      started.add(task.id);
      const index = ++counter;
      let outcome: Promise<R>;
      try {
        outcome = options.run(task, index, control);
      } catch (error) {
        outcome = Promise.reject(error);
      }
      // `run` owns its errors: one that escapes is a bug of the caller's, and must not hang the run.
      outcome.then(
        (result) => finish(task, index, result),
        (error: unknown) => {
          options.signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    };
    const pump = () => {
      if (stopReason !== undefined) {
        for (const task of tasks) skip(task.id, stopReason);
      }
      while (stopReason === undefined && running < concurrency && ready.size > 0) {
        const task = tasks[ready.shift()]!;
        if (!done.has(task.id)) start(task);
      }
      if (running === 0 && (ready.size === 0 || stopReason !== undefined)) {
        for (const task of tasks) skip(task.id, 'skipped');
        options.signal?.removeEventListener('abort', onAbort);
        resolve(results);
      }
    };
    if (options.signal?.aborted) onAbort();
    else {
      options.signal?.addEventListener('abort', onAbort, { once: true });
      pump();
    }
  });
}

/** Positions of ready tasks, smallest first (a binary heap: thousands of tests become ready at once). */
class ReadyQueue {
  private readonly heap: number[] = [];
  constructor(initial: number[]) {
    for (const value of initial) this.push(value);
  }
  get size(): number {
    return this.heap.length;
  }
  push(value: number): void {
    const heap = this.heap;
    heap.push(value);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= value) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = value;
  }
  shift(): number {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]! < heap[left]! ? right : left;
        if (heap[child]! >= last) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
