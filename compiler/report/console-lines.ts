/**
 * The console's words for what the engine reports, shared by build's reporter (reporter.ts) and
 * watch's (watch-reporter.ts): one node result, one diagnostic.
 */
import pc from 'picocolors';
import type { NodeResult } from '../run/events.js';
import { maskSecrets, type Diagnostic } from '../diagnostics/strata-error.js';
import { formatTable } from '../diagnostics/format-table.js';

/** `left ....... right`, the dots filling to a fixed column (colors do not count). */
export function dotted(left: string, right: string, width = 72): string {
  const visible = left.replace(/\x1b\[[0-9;]*m/g, '').length;
  return `${left} ${'.'.repeat(Math.max(3, width - visible - 1))} ${right}`;
}

/**
 * A node's result as the console shows it, in `build` and in `watch` alike: the line with its status,
 * what was built, rows or failures and time, then what explains it (the error with its place, failing
 * rows, a unit test's missing and extra rows, notices).
 *
 * @example
 *   nodeResultLines(result, 12, 40)
 *   // ['12 of 40 OK created table model pagila_gold.x ...... [SELECT 599 in 0.21s]']
 */
export function nodeResultLines(result: NodeResult, index: number, total: number): string[] {
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
      // As dbt: `OK loaded seed file raw.customers`, `OK created table model gold.x`.
      lines.push(dotted(`${prefix} ${pc.green('OK')} ${result.resourceType === 'seed' && result.materialized === 'seed' ? `loaded seed file ${result.relation}` : `created ${what}`}`, `[${pc.green(result.message)} in ${time}]`));
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

export function colorDiagnostic(d: Diagnostic): string {
  const place = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}  ` : '';
  const label = d.severity === 'warn' ? pc.yellow('warning') : pc.red('error');
  return maskSecrets(`${pc.cyan(place)}${label} ${pc.dim(d.code)}  ${d.message}${d.hint ? pc.dim(`  (${d.hint})`) : ''}`);
}
