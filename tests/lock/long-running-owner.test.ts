/**
 * A second Strata process while a long-running process owns the embedded database. The owner here is
 * tests/lock/fixtures/hold-database.mjs, which opens the database through the built adapter exactly as
 * a command does and keeps it open: a stand-in for `strata watch`.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOLD_DATABASE, readLock, runStrata, startStrata, tinyProject, type StrataChild, type TinyProject } from './cli-child.js';

describe('a second Strata process while a long-running process owns the database', () => {
  let project: TinyProject;
  let owner: StrataChild;
  let ownerName: string;

  beforeAll(async () => {
    project = tinyProject();
    expect((await runStrata(['build', '--project-dir', project.dir])).code).toBe(0);
    owner = startStrata([project.dataDir], { script: HOLD_DATABASE, untilFileEnd: true });
    await owner.waitFor(/^ready/);
    ownerName = `hold-database ${project.dataDir} (pid ${owner.pid})`;
  });

  it('strata show returns rows through the owner', async () => {
    const show = await runStrata(['show', '--project-dir', project.dir, '--select', 'base']);
    expect(show.code).toBe(0);
    expect(show.output).toContain(`using the database of ${ownerName}`);
    expect(show.output).toContain('first');
    expect(show.output).toContain('(2 rows)');
  });

  it('strata debug connects through the owner', async () => {
    const debug = await runStrata(['debug', '--project-dir', project.dir]);
    expect(debug.code).toBe(0);
    expect(debug.output).toContain(`using the database of ${ownerName}`);
    expect(debug.output).toContain('connection: OK');
    expect(debug.output).toMatch(/location: postgres:\/\/strata:\*\*\*@127\.0\.0\.1:\d+\/postgres/);
  });

  it('strata build exits 2 naming the owner, and opens nothing', async () => {
    const before = fs.readFileSync(project.lockFile, 'utf8');
    const build = await runStrata(['build', '--project-dir', project.dir]);
    expect(build.code).toBe(2);
    expect(build.output).toContain(`error STR510  data directory ${project.dataDir} is in use by pid ${owner.pid} (hold-database ${project.dataDir})`);
    expect(build.output).not.toContain('Running build');
    expect(fs.readFileSync(project.lockFile, 'utf8')).toBe(before);
  });

  it('compile, ls and --help need no database: they succeed and leave the lock alone', async () => {
    const before = fs.readFileSync(project.lockFile, 'utf8');
    const compile = await runStrata(['compile', '--project-dir', project.dir]);
    expect(compile.code).toBe(0);
    expect(compile.output).toContain('Compiled 1 nodes');
    expect((await runStrata(['ls', '--project-dir', project.dir])).code).toBe(0);
    expect((await runStrata(['--help'])).code).toBe(0);
    expect(fs.readFileSync(project.lockFile, 'utf8')).toBe(before);
  });

  it('the owner closes cleanly, releases the lock, and the next command opens the directory itself', async () => {
    expect(readLock(project)?.server).toMatchObject({ host: '127.0.0.1', port: expect.any(Number) });
    owner.process.kill('SIGTERM');
    expect((await owner.exited).code).toBe(0);
    expect(fs.existsSync(project.lockFile)).toBe(false);
    const show = await runStrata(['show', '--project-dir', project.dir, '--select', 'base']);
    expect(show.code).toBe(0);
    expect(show.output).not.toContain('using the database of');
    expect(show.output).toContain('(2 rows)');
  });
});
