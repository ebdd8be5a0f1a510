/**
 * A project written from scratch in a temp directory (no fixture), pointed at a test target: the
 * suites of tests/run/ each describe their few models inline.
 *
 * @example const dir = tinyProject('fk', target, { 'models/parent.sql': 'select 1 as id' });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { targetYaml, writeFiles } from '../engine/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** `name: <name>` plus `projectYaml` (models:/seeds: trees), the target, and `files`. */
export function tinyProject(name: string, target: TargetConfig, files: Record<string, string>, projectYaml = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-${name}-`));
  dirs.push(dir);
  writeFiles(dir, { 'project.yml': `name: ${name}\n${projectYaml}${targetYaml(target)}`, ...files });
  return dir;
}

/** Rows of one catalog query, in the shape the test asserts. */
export async function rows<T>(adapter: Adapter, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await adapter.query<T>(sql, params)).rows;
}
