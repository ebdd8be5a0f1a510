/**
 * `strata watch` (and `strata build --watch`): starts the loop, wires keys and signals, and resolves
 * with exit code 0 when the user quits (`q`, Ctrl-C, SIGINT, SIGTERM). The database is closed on the
 * way out, which releases the embedded database's lock.
 */
import type { Reporter } from '../report/reporter.js';
import type { RunArgs } from '../cli/run-command.js';
import { loadOptions } from '../cli/session.js';
import { startWatch } from './watch-loop.js';
import { watchConsoleReporter, watchJsonReporter } from '../report/watch-reporter.js';

export interface WatchArgs extends RunArgs {
  clearScreen?: boolean;
  changedOnly?: boolean;
  debounce?: number;
}

export async function watchCommand(args: WatchArgs, _reporter: Reporter): Promise<number> {
  const keys = process.stdin.isTTY === true;
  const emit = args.logFormat === 'json' ? watchJsonReporter() : watchConsoleReporter({ clearScreen: args.clearScreen, keys });
  const handle = await startWatch({
    projectDir: args.projectDir,
    load: loadOptions(args),
    select: args.select,
    exclude: args.exclude,
    changedOnly: args.changedOnly,
    debounceMs: args.debounce ?? 100,
    failFast: args.failFast,
    emit,
  });

  const quit = () => void handle.stop();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, quit);
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === '\u0003' || key === '\u0004') quit();
    else if (key === 'a') handle.rebuildAll();
    else if (key === 'f') handle.rerunFailed();
    else if (key === 'h') emit({ type: 'watch-help' });
  };
  if (keys) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', onKey);
  }
  await handle.stopped;
  for (const signal of signals) process.off(signal, quit);
  if (keys) {
    process.stdin.off('data', onKey);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
  return 0;
}
