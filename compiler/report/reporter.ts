import pc from 'picocolors';
import type { RunEvent, NodeResult } from '../run/events.js';
import { formatDiagnosticPlain, maskSecrets, type Diagnostic } from '../diagnostics/strata-error.js';
import { colorDiagnostic, dotted, nodeResultLines } from './console-lines.js';

/** Turns engine events into output. The engine never prints; a reporter does. */
export interface Reporter {
  event(event: RunEvent): void;
  /** A line for the user outside a run (found N models, ...). */
  info(message: string): void;
  diagnostics(list: Diagnostic[]): void;
}

type Write = (text: string) => void;

const stamp = () => new Date().toTimeString().slice(0, 8);

/** dbt-like console lines: `12 of 40 OK created table model pagila_gold.x ..... [SELECT 599 in 0.21s]`. */
export function consoleReporter(rawWrite: Write = (t) => process.stdout.write(t), rawWriteError: Write = (t) => process.stderr.write(t)): Reporter {
  const write: Write = (text) => rawWrite(maskSecrets(text));
  const writeError: Write = (text) => rawWriteError(maskSecrets(text));
  const line = (text: string) => write(`${pc.dim(stamp())}  ${text}\n`);
  return {
    info: (message) => line(message),
    diagnostics(list) {
      for (const d of list) writeError(`${colorDiagnostic(d)}\n`);
    },
    event(event) {
      switch (event.type) {
        case 'run-started':
          line(`Running ${event.command} on target ${pc.bold(event.target)}: ${event.total} ${event.total === 1 ? 'node' : 'nodes'}`);
          break;
        case 'node-started':
          line(dotted(`${event.index} of ${event.total} START ${event.description}`, '[RUN]'));
          break;
        case 'node-finished':
          for (const text of nodeResultLines(event.result, event.index, event.total)) line(text);
          break;
        case 'notice':
          line(pc.yellow(event.message));
          break;
        case 'run-finished':
          for (const text of summaryLines(event.results, event.elapsed)) line(text);
          break;
      }
    },
  };
}

/** One JSON object a line, for machines (`--log-format json`). */
export function jsonReporter(write: Write = (t) => process.stdout.write(t)): Reporter {
  const emit = (value: object) => write(`${maskSecrets(JSON.stringify({ ts: new Date().toISOString(), ...value }))}\n`);
  return {
    info: (message) => emit({ type: 'info', message }),
    diagnostics: (list) => list.forEach((d) => emit({ type: 'diagnostic', ...d })),
    event: (event) => emit(event),
  };
}

function summaryLines(results: NodeResult[], elapsed: number): string[] {
  const count = (statuses: string[]) => results.filter((r) => statuses.includes(r.status)).length;
  const pass = count(['success', 'pass']);
  const warn = count(['warn']);
  const error = count(['error', 'fail']);
  const skip = count(['skipped']);
  const kinds = new Map<string, number>();
  for (const r of results) kinds.set(r.resourceType, (kinds.get(r.resourceType) ?? 0) + 1);
  const parts = [...kinds].map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`);
  const lines = ['', `Finished running ${parts.join(', ') || 'nothing'} in ${elapsed.toFixed(2)}s.`];
  const errors = results.filter((r) => r.status === 'error' || r.status === 'fail');
  if (errors.length > 0) {
    lines.push('', pc.red(`Completed with ${errors.length} ${errors.length === 1 ? 'error' : 'errors'}:`));
    for (const r of errors) {
      lines.push(`  ${r.resourceType} ${r.name}: ${r.error ? formatDiagnosticPlain(r.error) : r.message}`);
    }
  }
  const summary = `PASS=${pass} WARN=${warn} ERROR=${error} SKIP=${skip} TOTAL=${results.length}`;
  lines.push('', `Done. ${error > 0 ? pc.red(summary) : warn > 0 ? pc.yellow(summary) : pc.green(summary)}`);
  return lines;
}
