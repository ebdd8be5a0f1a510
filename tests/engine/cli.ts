/**
 * Runs the Strata CLI as users do, as a child process (`node bin/strata.js ...`), on copies of the
 * fixture projects in tests/fixtures/projects/.
 *
 * @example
 *   const dir = projectOn('shop', engine.makeIsolatedTarget(uniqueSchema('shop')));
 *   const result = await strata(['build', '--project-dir', dir]);
 *   expect(result.exitCode).toBe(0);
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { REPO_ROOT } from '../support/strata-cli.js';
import type { TargetConfig } from '../../compiler/project/target.js';

export { REPO_ROOT, strata, withAdapter, type CliOptions, type CliResult } from '../support/strata-cli.js';
export const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/projects');

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of a fixture project in a temp directory (removed after the test file). */
export function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-${name}-`));
  tempDirs.push(dir);
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/** The `targets:` entry of project.yml for a test target (JSON is YAML). */
export function targetYaml(target: TargetConfig): string {
  const entry =
    target.type === 'pglite'
      ? { type: 'pglite', path: target.path, schema: target.schema }
      : { type: 'postgres', url: target.url, schema: target.schema, threads: target.threads };
  return `\ntarget: ${target.name}\ntargets:\n  ${target.name}: ${JSON.stringify(entry)}\n`;
}

/** Copies a fixture and points its project.yml at `target`; `files` adds or replaces files. */
export function projectOn(fixture: string, target: TargetConfig, files: Record<string, string> = {}): string {
  const dir = copyFixture(fixture);
  fs.appendFileSync(path.join(dir, 'project.yml'), targetYaml(target));
  writeFiles(dir, files);
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

/** A result of run_results.json (dbt's shape), with `error` from strata_run_results.json. */
export interface RunResult {
  unique_id: string;
  status: 'success' | 'error' | 'fail' | 'warn' | 'pass' | 'skipped';
  message: string;
  timing: { name: string; started_at: string; completed_at: string }[];
  relation_name: string | null;
  error: { message: string; file?: string } | null;
}

/** target/run_results.json's results by node name (`model.shop.x` → `x`). */
export function runResults(dir: string): Map<string, RunResult> {
  const document = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as { results: RunResult[] };
  const extras = JSON.parse(fs.readFileSync(path.join(dir, 'target/strata_run_results.json'), 'utf8')) as { results: Record<string, { error: RunResult['error'] }> };
  return new Map(document.results.map((r) => [r.unique_id.split('.').slice(2).join('.'), { ...r, error: extras.results[r.unique_id]?.error ?? null }]));
}

/** Status of each node in run_results.json, by name, sorted by name. */
export function statuses(dir: string): Record<string, string> {
  return Object.fromEntries([...runResults(dir)].sort(([a], [b]) => a.localeCompare(b)).map(([name, r]) => [name, r.status]));
}
