/** `strata docs serve` refuses, with a code and a hint, what it cannot serve. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, strata } from '../support/strata-cli.js';
import { tempDir } from '../pagila/pagila-project.js';

describe('strata docs serve', () => {
  let projectDir: string;

  beforeAll(() => {
    projectDir = tempDir('docs-serve');
    fs.copyFileSync(path.join(REPO_ROOT, 'project.yml'), path.join(projectDir, 'project.yml'));
  });

  afterAll(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  it('says to run docs generate when there is no site', async () => {
    const result = await strata(['docs', 'serve', '--project-dir', projectDir]);
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('STR166');
    expect(result.output).toContain('strata docs generate');
  });

  it('refuses a port out of range', async () => {
    const result = await strata(['docs', 'serve', '--port', '70000', '--project-dir', projectDir]);
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('STR167');
  });
});
