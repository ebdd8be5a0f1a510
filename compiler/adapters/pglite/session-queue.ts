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
    // The next caller waits for this one to settle, whether it succeeded or not, and then for one turn
    // of the event loop. Why: PGlite's statements resolve through microtasks only, so an owner whose
    // callers follow one another back to back would never let Node read a socket. Timeline without it:
    //   owner:  [unit 1][unit 2][unit 3] … [close]
    //   client: connects at unit 1 → its bytes are read only after close → refused
    // With the turn, the client's bytes are read between two units and it queues behind the next one.
    this.#tail = result.then(
      () => this.#settled(),
      () => this.#settled(),
    );
    return result;
  }

  #settled(): Promise<void> {
    this.#waiting--;
    return new Promise((resolve) => setImmediate(resolve));
  }

  /**
   * Takes the session and keeps it until the returned function is called: for work whose end is not a
   * promise of ours (a socket client's turn lasts until its backend is out of any transaction).
   *
   * @example
   *   const release = await queue.acquire();
   *   try { ...statements... } finally { release(); }
   */
  acquire(): Promise<() => void> {
    return new Promise((granted) => {
      void this.run(() => new Promise<void>((release) => granted(release)));
    });
  }
}
