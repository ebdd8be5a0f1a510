/**
 * Prints the watch loop's events: one block per change set (the files, each node's result as `build`
 * prints it, the problems with file:line, a one-line summary), or one JSON object a line with
 * `--log-format json`.
 */
import pc from 'picocolors';
import { colorDiagnostic, nodeResultLines } from './console-lines.js';
import type { WatchEvent } from '../watch/watch-events.js';

type Write = (text: string) => void;

export interface WatchReporterOptions {
  clearScreen?: boolean;
  /** Whether keys work (stdin is a terminal): the idle line mentions them then. */
  keys?: boolean;
}

export function watchConsoleReporter(options: WatchReporterOptions = {}, write: Write = (t) => process.stdout.write(t)): (event: WatchEvent) => void {
  const line = (text = '') => write(`${text}\n`);
  return (event) => {
    switch (event.type) {
      case 'watch-started':
        line(`Watching ${pc.bold(event.project)} on ${pc.bold(event.target)}: ${event.paths.join(', ')}`);
        break;
      case 'cycle-started': {
        if (options.clearScreen && event.cycle > 1) write('\x1b[2J\x1b[3J\x1b[H');
        const time = new Date().toTimeString().slice(0, 8);
        const what =
          event.reason === 'start' ? 'first build' : event.reason === 'all' ? 'rebuild all' : event.reason === 'failed' ? 'rerun failed' : 'change';
        line(pc.dim(`── ${what} #${event.cycle} at ${time} ──`));
        if (event.files.length > 0) line(`changed: ${event.files.map((f) => `${f.path}${f.kind === 'change' ? '' : ` (${f.kind === 'add' ? 'added' : 'deleted'})`}`).join(', ')}`);
        break;
      }
      case 'cycle-problems':
        for (const d of event.diagnostics) line(colorDiagnostic(d));
        if (event.diagnostics.some((d) => d.severity !== 'warn')) line(pc.red('Not rebuilt: fix the problem above and save; watching.'));
        break;
      case 'node-removed':
        line(pc.yellow(`removed ${event.id} from the graph${event.relation ? `; relation ${event.relation} left in the database` : ''}`));
        break;
      case 'cycle-planned':
        if (event.steps === 0) line(pc.dim('nothing to rebuild: no node\'s SQL or config changed'));
        break;
      case 'run-event': {
        const inner = event.event;
        // The same lines as build's, indented under the change set's heading.
        if (inner.type === 'node-finished') for (const text of nodeResultLines(inner.result, inner.index, inner.total)) line(`  ${text}`);
        else if (inner.type === 'notice') line(pc.yellow(inner.message));
        break;
      }
      case 'cycle-superseded':
        line(pc.dim('a newer edit arrived: this change set is folded into the next one'));
        break;
      case 'cycle-finished': {
        const count = (...s: string[]) => event.results.filter((r) => s.includes(r.status)).length;
        const bad = count('error', 'fail');
        const summary = `Done. PASS=${count('success', 'pass')} WARN=${count('warn')} ERROR=${bad} SKIP=${count('skipped')} TOTAL=${event.results.length} in ${event.elapsed.toFixed(2)}s (sql ${event.sql.toFixed(2)}s)`;
        line(bad > 0 ? pc.red(summary) : pc.green(summary));
        break;
      }
      case 'watch-idle':
        line(pc.dim(options.keys ? 'Watching for changes. press h for help, q to quit' : 'Watching for changes.'));
        break;
      case 'watch-help':
        line('keys: a rebuild the whole selection · f rerun failed · q quit · h this help');
        break;
      case 'watch-error':
        line(pc.red(`watch error: ${event.message}`));
        break;
      case 'watch-stopped':
        line('Stopped watching; the database is closed.');
        break;
    }
  };
}

export function watchJsonReporter(write: Write = (t) => process.stdout.write(t)): (event: WatchEvent) => void {
  return (event) => write(`${JSON.stringify({ ts: new Date().toISOString(), ...(event.type === 'run-event' ? event.event : event) })}\n`);
}
