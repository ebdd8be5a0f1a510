/**
 * Ctrl-C and SIGTERM during a run that changes the database:
 *
 *   1st signal → abort the run's signal: the scheduler starts nothing new and cancels the running
 *                statements on the server (pg_cancel_backend from a separate connection); their
 *                transactions roll back; run_results.json is written; the command exits with 130
 *   2nd signal → exit 130 at once (the server still cancels what is left: the sessions end)
 *
 * Once everything is written and closed, the process ends by the same signal (`raiseAgain`), not by
 * exit(130): a calling shell or make sees "killed by SIGINT" (status 130; 143 for SIGTERM) and stops too.
 */

export const INTERRUPTED_EXIT_CODE = 130;

export interface Interrupts {
  /** Aborted by the first signal; its reason is the signal's name. */
  readonly signal: AbortSignal;
  /** The signal received, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Stops listening (the process's default handling comes back). */
  dispose(): void;
  /** After the cleanup: stops listening and sends the received signal to this process again. */
  raiseAgain(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * @example
 *   const interrupts = listenForInterrupts((m) => reporter.event({ type: 'notice', message: m }));
 *   try { await runPlan(plan, context, { ..., signal: interrupts.signal }); } finally { interrupts.dispose(); }
 *   if (interrupts.received) interrupts.raiseAgain();
 */
export function listenForInterrupts(notify: (message: string) => void, exit: (code: number) => void = (code) => process.exit(code)): Interrupts {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      notify(`${signal} again: exiting now`);
      exit(INTERRUPTED_EXIT_CODE);
      return;
    }
    received = signal;
    notify(`${signal === 'SIGINT' ? 'Ctrl-C' : signal}: cancelling the running statements and stopping (press Ctrl-C again to quit at once)`);
    controller.abort(signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    dispose() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
    raiseAgain() {
      this.dispose();
      if (received) process.kill(process.pid, received);
    },
  };
}
