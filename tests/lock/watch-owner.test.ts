/**
 * `strata show` while `strata watch` owns the embedded database: the analyst's two terminals.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runStrata, startStrata, tinyProject } from './cli-child.js';

describe('strata show during strata watch', () => {
  it('returns rows through the watch, and the watch releases the lock on Ctrl-C', async () => {
    const project = tinyProject();
    const watch = startStrata(['watch', '--project-dir', project.dir]);
    await watch.waitFor(/Watching for changes/);

    const show = await runStrata(['show', '--project-dir', project.dir, '--select', 'base']);
    expect(show.code).toBe(0);
    expect(show.output).toContain(`using the database of strata watch --project-dir ${project.dir} (pid ${watch.pid})`);
    expect(show.output).toContain('(2 rows)');

    const build = await runStrata(['build', '--project-dir', project.dir]);
    expect(build.code).toBe(2);
    expect(build.output).toContain(`is in use by pid ${watch.pid} (strata watch --project-dir ${project.dir})`);

    watch.process.kill('SIGINT');
    await watch.exited;
    expect(fs.existsSync(project.lockFile)).toBe(false);
  });
});
