/**
 * bin/strata.js compiles the bundled program with V8's code cache of the same command's earlier runs.
 * V8 takes a cache only under the V8 flags it was made with, and an embedded run sets one (Liftoff only,
 * startup-profile.ts): the cache must survive embedded runs, not be refused and rewritten by each.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runNodeScript } from '../support/strata-cli.js';
import { copyPgliteTemplate, preparePgliteTemplate } from '../support/pglite-template.js';

let scratch: string;
let bin: string;
let project: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-code-cache-'));
  // An install of its own, so that its cache folder is this test's alone.
  const install = path.join(scratch, 'install');
  fs.mkdirSync(path.join(install, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(install, 'dist', 'bundle', 'cli'), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, 'bin', 'strata.js'), path.join(install, 'bin', 'strata.js'));
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(install, 'package.json'));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(install, 'node_modules'));
  fs.symlinkSync(path.join(REPO_ROOT, 'dist', 'compiler'), path.join(install, 'dist', 'compiler'));
  fs.copyFileSync(path.join(REPO_ROOT, 'dist', 'bundle', 'cli', 'strata.cjs'), path.join(install, 'dist', 'bundle', 'cli', 'strata.cjs'));
  bin = path.join(install, 'bin', 'strata.js');

  project = path.join(scratch, 'project');
  fs.mkdirSync(path.join(project, 'models'), { recursive: true });
  fs.writeFileSync(path.join(project, 'project.yml'), 'name: cached\ntarget: dev\ntargets:\n  dev:\n    type: pglite\n    schema: cached\n');
  fs.writeFileSync(path.join(project, 'models', 'one.sql'), 'select 1 as id\n');
  fs.mkdirSync(path.join(project, '.strata'));
  copyPgliteTemplate(await preparePgliteTemplate(), path.join(project, '.strata', 'dev'));
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the code cache of bin/strata.js', () => {
  it('is written by the first embedded build and taken, not rewritten, by the next ones', async () => {
    const cache = path.join(path.dirname(bin), '..', 'dist', 'bundle', 'cli', 'cache', 'build.v8');
    const build = async () => {
      const result = await runNodeScript(bin, ['build', '--project-dir', project], { cwd: project });
      expect(result.exitCode, result.output).toBe(0);
      expect(result.stdout).toContain('PASS=1');
    };
    await build();
    const written = fs.statSync(cache);
    expect(written.size).toBeGreaterThan(100_000);
    await build();
    await build();
    const after = fs.statSync(cache);
    // A rewrite goes through a temporary file and a rename: a new inode and a new time.
    expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
  }, 120_000);
});
