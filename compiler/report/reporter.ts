import pc from 'picocolors';
import type { RunEvent, NodeResult } from '../run/events.js';
import { formatDiagnosticPlain, maskSecrets, type Diagnostic } from '../diagnostics/strata-error.js';
import { formatTable } from '../diagnostics/format-table.js';

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
          for (const text of finishedLines(event.result, event.index, event.total)) line(text);
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

/** `left ....... right`, the dots filling to a fixed column (colors do not count). */
function dotted(left: string, right: string, width = 72): string {
  const visible = left.replace(/\x1b\[[0-9;]*m/g, '').length;
  return `${left} ${'.'.repeat(Math.max(3, width - visible - 1))} ${right}`;
}

function finishedLines(result: NodeResult, index: number, total: number): string[] {
  const time = `${result.executionTime.toFixed(2)}s`;
  const what =
    result.resourceType === 'test'
      ? `test ${result.name}`
      : result.resourceType === 'unit_test'
        ? `unit test ${result.name}`
        : `${result.materialized} ${result.resourceType} ${result.relation}`;
  const prefix = `${index} of ${total}`;
  const lines: string[] = [];
  switch (result.status) {
    case 'success':
      lines.push(dotted(`${prefix} ${pc.green('OK')} ${result.resourceType === 'seed' && result.materialized === 'seed' ? 'loaded seed file' : 'created'} ${what}`, `[${pc.green(result.message)} in ${time}]`));
      break;
    case 'pass':
      lines.push(dotted(`${prefix} ${pc.green('PASS')} ${what}`, `[${pc.green('PASS')} in ${time}]`));
      break;
    case 'warn':
      lines.push(dotted(`${prefix} ${pc.yellow('WARN')} ${what}`, `[${pc.yellow(`WARN ${result.failures}`)} in ${time}]`));
      break;
    case 'fail':
      lines.push(dotted(`${prefix} ${pc.red('FAIL')} ${what}`, `[${pc.red(`FAIL ${result.failures}`)} in ${time}]`));
      break;
    case 'error':
      lines.push(dotted(`${prefix} ${pc.red('ERROR')} ${what}`, `[${pc.red('ERROR')} in ${time}]`));
      break;
    case 'skipped':
      lines.push(dotted(`${prefix} ${pc.yellow('SKIP')} ${what}`, `[${pc.yellow('SKIP')}]`));
      break;
  }
  if (result.status === 'error' && result.error) lines.push(`  ${colorDiagnostic(result.error)}`);
  if (result.unitDiff) lines.push(...unitDiffLines(result));
  else if ((result.status === 'fail' || result.status === 'warn') && result.failures) {
    lines.push(`  ${result.message}; compiled SQL: ${result.compiledPath ?? '(not written)'}`);
    if (result.sampleRows && result.sampleRows.length > 0) {
      const shown = result.sampleRows.length < (result.failures ?? 0) ? ` (first ${result.sampleRows.length})` : '';
      lines.push(`  failing rows${shown}:`);
      for (const row of formatTable(result.sampleRows).split('\n')) lines.push(`    ${row}`);
    }
  }
  for (const notice of result.notices ?? []) lines.push(`  ${pc.yellow(notice)}`);
  return lines;
}

/** A failed unit test: what it expected but did not get, and what it got but did not expect. */
function unitDiffLines(result: NodeResult): string[] {
  const lines = [`  ${result.message}; compiled SQL: ${result.compiledPath ?? '(not written)'}`];
  const table = (title: string, rows: Record<string, unknown>[]) => {
    if (rows.length === 0) return;
    lines.push(`  ${title}:`);
    for (const row of formatTable(rows).split('\n')) lines.push(`    ${row}`);
  };
  table('missing rows (expected, not returned)', result.unitDiff!.missing);
  table('extra rows (returned, not expected)', result.unitDiff!.extra);
  return lines;
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

export function colorDiagnostic(d: Diagnostic): string {
  const place = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}  ` : '';
  const label = d.severity === 'warn' ? pc.yellow('warning') : pc.red('error');
  return maskSecrets(`${pc.cyan(place)}${label} ${pc.dim(d.code)}  ${d.message}${d.hint ? pc.dim(`  (${d.hint})`) : ''}`);
}
