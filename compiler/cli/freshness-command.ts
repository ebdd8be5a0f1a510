/**
 * `strata source freshness [--select source:x]`: checks the selected sources' freshness on the target
 * and writes target/sources.json (dbt's sources v3). Exit code 1 when a source is past its
 * `error_after` or its query failed; a warning alone is exit code 0, as in dbt.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import picocolors from 'picocolors';
import { openAdapter } from '../adapters/adapter.js';
import { dbtSources } from '../artifacts/dbt-sources.js';
import type { Reporter } from '../report/reporter.js';
import { checkFreshness, describeAge, describeTime, type FreshnessResult } from '../freshness/check-freshness.js';
import type { SourceTable } from '../manifest/types.js';
import { describeProject, openSession, select, type CommonArgs } from './session.js';

export interface FreshnessArgs extends CommonArgs {
  /** `--output`: where to write sources.json (default target/sources.json). */
  output?: string;
}

/** Colors for the console only: `--log-format json` gets plain text. */
let pc: ReturnType<typeof picocolors.createColors> = picocolors;

export async function sourceFreshnessCommand(args: FreshnessArgs, reporter: Reporter): Promise<number> {
  pc = args.logFormat === 'json' ? picocolors.createColors(false) : picocolors;
  const started = Date.now();
  const session = openSession(args, reporter);
  const { project, parsed } = session;
  const selection = select(session, args, reporter);
  const selected = selection.sources.map((id) => parsed.manifest.sources[id]!).filter((s) => s.freshness);
  const checked = selected.filter((s) => s.loadedAtField || s.loadedAtQuery);
  for (const source of selected.filter((s) => !s.loadedAtField && !s.loadedAtQuery)) {
    reporter.diagnostics([
      {
        code: 'STR451',
        severity: 'warn',
        message: `source ${source.sourceName}.${source.name} has a freshness but no loaded_at_field: not checked`,
        file: source.path,
        hint: 'add loaded_at_field: <timestamp column> (or loaded_at_query: <query>) to the source or the table',
      },
    ]);
  }
  reporter.info(describeProject(session));
  const output = args.output ? (isAbsolute(args.output) ? args.output : join(process.cwd(), args.output)) : join(project.root, project.paths.target, 'sources.json');
  let results: FreshnessResult[] = [];
  if (checked.length === 0) {
    reporter.info('Nothing to do: no selected source has a freshness with a loaded_at_field or loaded_at_query');
  } else {
    reporter.info(`Checking the freshness of ${checked.length} ${checked.length === 1 ? 'source' : 'sources'} on target ${pc.bold(project.target.name)}`);
    const adapter = await openAdapter(project.target, { onNotice: (m) => reporter.info(m), access: 'shared' });
    try {
      results = await checkFreshness(adapter, checked, (result, index) => reporter.info(resultLine(result, index + 1, checked.length)));
    } finally {
      await adapter.close();
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, JSON.stringify(dbtSources(results, elapsed, { generatedAt: new Date().toISOString(), invocationId: session.invocationId }), null, 2));
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const errors = count('error') + count('runtime error');
  const summary = `PASS=${count('pass')} WARN=${count('warn')} ERROR=${errors} SKIP=0 TOTAL=${results.length}`;
  reporter.info(`Done in ${elapsed.toFixed(2)}s. ${errors > 0 ? pc.red(summary) : count('warn') > 0 ? pc.yellow(summary) : pc.green(summary)}; wrote ${output}`);
  return errors > 0 ? 1 : 0;
}

/** `2 of 3 WARN freshness of pagila.payment: last loaded 3 hours ago (warn after 1 hour) ... [WARN in 0.01s]`. */
function resultLine(result: FreshnessResult, index: number, total: number): string {
  const name = `${result.source.sourceName}.${result.source.name}`;
  const time = `${result.executionTime.toFixed(2)}s`;
  if (result.status === 'runtime error') return `${index} of ${total} ${pc.red('ERROR')} freshness of ${name}: the query failed: ${result.error} [${pc.red('ERROR')} in ${time}]`;
  const threshold = thresholdText(result.source);
  const age = `last loaded ${describeAge(result.ageSeconds!)} (${result.maxLoadedAt})`;
  const label = result.status === 'pass' ? pc.green('PASS') : result.status === 'warn' ? pc.yellow('WARN') : pc.red('ERROR STALE');
  return `${index} of ${total} ${label} freshness of ${name}: ${age}; ${threshold} [${label} in ${time}]`;
}

function thresholdText(source: SourceTable): string {
  const parts: string[] = [];
  if (source.freshness?.warn_after) parts.push(`warn after ${describeTime(source.freshness.warn_after)}`);
  if (source.freshness?.error_after) parts.push(`error after ${describeTime(source.freshness.error_after)}`);
  return parts.join(', ');
}
