/**
 * An owner of an embedded (PGlite) data directory that is interrupted or killed, as users meet them: real CLI
 * child processes (`node bin/strata.js`, so `npm test` builds dist/ first) on tiny projects.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLock, runStrata, startStrata, tinyProject } from './cli-child.js';

describe('an interrupted owner of an embedded database', () => {
  it('Ctrl-C during a build releases the lock and ends the process by SIGINT (exit status 130 in a shell)', async () => {
    const project = tinyProject({ slowModels: 1, sleepSeconds: 3 });
    const owner = startStrata(['build', '--project-dir', project.dir]);
    await owner.waitFor(/START table model tiny\.s1/);
    owner.process.kill('SIGINT');
    const exit = await owner.exited;
    // Dying of the signal (rather than exit(130)) is what lets a calling shell or make stop too.
    expect(exit).toMatchObject({ code: null, signal: 'SIGINT' });
    expect(fs.existsSync(project.lockFile)).toBe(false);

    const again = await runStrata(['build', '--project-dir', project.dir]);
    expect(again.code).toBe(0);
    expect(again.output).not.toContain('took over');
    expect(again.output).toContain('PASS=2 WARN=0 ERROR=0');
  });

  it('a kill -9 of the owner leaves a stale lock that the next command takes over', async () => {
    const project = tinyProject({ slowModels: 1, sleepSeconds: 3 });
    const owner = startStrata(['build', '--project-dir', project.dir]);
    await owner.waitFor(/START table model tiny\.s1/);
    owner.process.kill('SIGKILL');
    await owner.exited;
    expect(readLock(project)?.pid).toBe(owner.pid);

    const next = await runStrata(['build', '--project-dir', project.dir]);
    expect(next.code).toBe(0);
    expect(next.output).toContain(`took over a stale lock left by pid ${owner.pid} (strata build --project-dir ${project.dir})`);
    expect(next.output).toContain('PASS=2 WARN=0 ERROR=0');
    expect(fs.existsSync(project.lockFile)).toBe(false);
  });
});
