/**
 * Two Strata processes meeting on one embedded (PGlite) data directory, as users meet them: real CLI
 * child processes (`node bin/strata.js`, so `npm test` builds dist/ first) on tiny projects.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLock, runStrata, startStrata, tinyProject } from './cli-child.js';

describe('two Strata processes on one embedded database', () => {
  it('two builds at once: one succeeds, the other exits 2 naming the first; the directory is intact and a third build works', async () => {
    const project = tinyProject({ slowModels: 3 });
    const first = startStrata(['build', '--project-dir', project.dir]);
    await first.waitFor(/START table model tiny\.s1/);

    const second = await runStrata(['build', '--project-dir', project.dir]);
    expect(second.code).toBe(2);
    expect(second.output).toContain(`error STR510  data directory ${project.dataDir} is in use by pid ${first.pid} (strata build --project-dir ${project.dir})`);
    expect(second.output).toContain('strata show and strata debug can use its database meanwhile');
    expect(second.output).not.toContain('Running build');
    expect(readLock(project)?.pid).toBe(first.pid);

    const firstExit = await first.exited;
    expect(firstExit.code).toBe(0);
    expect(firstExit.output).toContain('PASS=4 WARN=0 ERROR=0');
    expect(fs.existsSync(project.lockFile)).toBe(false);

    const third = await runStrata(['build', '--project-dir', project.dir]);
    expect(third.code).toBe(0);
    expect(third.output).toContain('PASS=4 WARN=0 ERROR=0');
    const rows = await runStrata(['show', '--project-dir', project.dir, '--select', 's2']);
    expect(rows.code).toBe(0);
    expect(rows.output).toContain('(2 rows)');
  });

  it('strata show during a build of slow models runs through the build and returns rows', async () => {
    // PGlite holds the JavaScript thread while a statement runs, so each message of the client's
    // startup waits for one statement of the owner to end: many short sleeps, not one long one.
    const project = tinyProject({ slowModels: 12, sleepSeconds: 0.3 });
    const owner = startStrata(['build', '--project-dir', project.dir]);
    await owner.waitFor(/START table model tiny\.s1/);

    const show = await runStrata(['show', '--project-dir', project.dir, '--inline', 'select 1 as one']);
    expect(show.code).toBe(0);
    expect(show.output).toContain(`using the database of strata build --project-dir ${project.dir} (pid ${owner.pid})`);
    expect(show.output).toMatch(/one\n-+\n\s*1\n\(1 row\)/);

    const ownerExit = await owner.exited;
    expect(ownerExit.code).toBe(0);
    expect(ownerExit.output).toContain('PASS=13 WARN=0 ERROR=0');
    expect(fs.existsSync(project.lockFile)).toBe(false);
  });
});
