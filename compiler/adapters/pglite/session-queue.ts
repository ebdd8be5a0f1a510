/**
 * A first-come-first-served mutex. PGlite is one session: a caller that opens a transaction must get
 * every statement in before anyone else's, so callers take turns for the whole of their work.
 *
 * @example
 *   const queue = new SessionQueue();
 *   await queue.run(async () => { await begin(); await insert(); await commit(); });
 */
export class SessionQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #waiting = 0;

  /** Callers queued or running. */
  get size(): number {
    return this.#waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.#waiting++;
    const result = this.#tail.then(task);
    // The next caller waits for this one to settle, whether it succeeded or not.
    this.#tail = result.then(
      () => this.#waiting--,
      () => this.#waiting--,
    );
    return result;
  }
}
