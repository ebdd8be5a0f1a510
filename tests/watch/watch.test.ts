/**
 * `strata watch` end to end, as users run it: a child process on a temporary project, files written
 * by the test, output read block by block. One watch process per engine (starting one costs a first
 * build); before each test the project's files are put back as PROJECT has them and the watcher has
 * rebuilt what that changed, so each test starts from the same files and database, alone or in any
 * order.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { targetYaml, writeFiles } from '../engine/cli.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { ranIn, startWatchProcess, type WatchProcess } from './watch-process.js';

/**
 *   a ── b ── c        (b has a not_null test; a calls the macro cents)
 *   d                  (independent)
 */
const PROJECT: Record<string, string> = {
  'project.yml': 'name: wt\nmodels:\n  wt:\n    +materialized: view\n',
  'models/a.sql': "select 1 as id, {{ cents('10') }} as amount\n",
  'models/b.sql': "select id, amount from {{ ref('a') }}\n",
  'models/c.sql': "select id from {{ ref('b') }}\n",
  'models/d.sql': 'select 2 as id\n',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
  'macros/cents.sql': '{% macro cents(x) %}({{ x }} * 100){% endmacro %}\n',
  'macros/other.sql': '{% macro other() %}1{% endmacro %}\n',
};

/** The project's files on disk (project.yml and under models/ and macros/), by path. */
function filesIn(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(path.join(dir, folder), { withFileTypes: true })) {
      const file = `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else files.set(file, fs.readFileSync(path.join(dir, file), 'utf8'));
    }
  };
  for (const folder of ['models', 'macros']) if (fs.existsSync(path.join(dir, folder))) walk(folder);
  files.set('project.yml', fs.readFileSync(path.join(dir, 'project.yml'), 'utf8'));
  return files;
}

/**
 * A macro no model calls, rewritten last when the files are put back: the change set that names it
 * holds every earlier write, so once its block is printed nothing of the restoring is left to come.
 */
const RESTORED_MARK = 'macros/restored_mark.sql';
const restoredMark = (n: number) => `{% macro restored_mark() %}{% endmacro %}\n-- restored ${n}\n`;

describeEachEngine('strata watch', (engine) => {
  let dir: string;
  let watch: WatchProcess;
  /** PROJECT with the target in project.yml: what each test starts from. */
  let baseline: Record<string, string>;
  let restores = 0;
  /** The block of the first build, printed when the process started. */
  let firstBlock: string;
  const write = (file: string, text: string) => writeFiles(dir, { [file]: text });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-watch-'));
    baseline = { ...PROJECT, 'project.yml': PROJECT['project.yml'] + targetYaml(engine.makeIsolatedTarget(uniqueSchema('watch'))) };
    writeFiles(dir, { ...baseline, [RESTORED_MARK]: restoredMark(restores) });
    watch = startWatchProcess(dir);
    firstBlock = await watch.nextBlock();
    await watch.idle();
  });

  afterAll(async () => {
    const code = await watch?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  /**
   * Puts back the files a test changed, added or deleted, all at once with the mark written last, and
   * waits for the change set that names the mark and for the loop to be idle again.
   */
  beforeEach(async () => {
    const now = filesIn(dir);
    now.delete(RESTORED_MARK);
    const changed = Object.keys(baseline).filter((file) => now.get(file) !== baseline[file]);
    const added = [...now.keys()].filter((file) => !(file in baseline));
    if (changed.length + added.length === 0) return watch.idle();
    watch.skipOutput();
    writeFiles(dir, Object.fromEntries(changed.map((file) => [file, baseline[file]!])));
    for (const file of added) fs.rmSync(path.join(dir, file));
    write(RESTORED_MARK, restoredMark(++restores));
    const namesMark = (block: string) => /^changed: (.*)$/m.exec(block)?.[1]?.split(', ').includes(RESTORED_MARK);
    while (!namesMark(await watch.nextBlock()));
    await watch.idle();
  });

  /** Writes `file` and resolves once the file system has reported the write (as it does to the watcher). */
  function saved(file: string, text: string): Promise<void> {
    const full = path.join(dir, file);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watcher.close();
        reject(new Error(`no file event for ${file} within 5 s`));
      }, 5000);
      const watcher = fs.watch(full, () => {
        clearTimeout(timer);
        watcher.close();
        resolve();
      });
      fs.writeFileSync(full, text);
    });
  }

  it('builds the whole selection first', () => {
    expect(firstBlock).toContain('first build');
    expect(ranIn(firstBlock).sort()).toEqual(['a', 'b', 'c', 'd', 'not_null_b_id']);
    expect(firstBlock).toMatch(/Done\. PASS=5 .* ERROR=0/);
  });

  it('rebuilds an edited model and its descendants only, with their tests', async () => {
    write('models/b.sql', "select id, amount, 'x' as tag from {{ ref('a') }}\n");
    const block = await watch.nextBlock();
    expect(block).toContain('changed: models/b.sql');
    expect(ranIn(block)).toEqual(['b', 'not_null_b_id', 'c']);
  });

  it('rebuilds the callers of an edited macro, and nothing for a macro no one calls', async () => {
    write('macros/cents.sql', '{% macro cents(x) %}({{ x }} * 100)::int{% endmacro %}\n');
    const block = await watch.nextBlock();
    expect(block).toContain('changed: macros/cents.sql');
    expect(ranIn(block)).toEqual(['a', 'b', 'not_null_b_id', 'c']);

    write('macros/other.sql', '{% macro other() %}1 -- a comment{% endmacro %}\n');
    const quiet = await watch.nextBlock();
    expect(quiet).toContain('changed: macros/other.sql');
    expect(quiet).toContain('nothing to rebuild');
    expect(ranIn(quiet)).toEqual([]);
  });

  it('prints a broken template with file:line, keeps watching, and recovers on the fix', async () => {
    write('models/c.sql', "select id\nfrom {{ ref('b' }}\n");
    const broken = await watch.nextBlock();
    expect(broken).toMatch(/models\/c\.sql:2:\d+ +error STR\d+/);
    expect(broken).toContain('Not rebuilt');

    write('models/c.sql', "select id, 1 as fixed from {{ ref('b') }}\n");
    const fixed = await watch.nextBlock();
    expect(ranIn(fixed)).toEqual(['c']);
    expect(fixed).toMatch(/ERROR=0/);
  });

  it('reports a SQL error with its file and recovers on the fix', async () => {
    write('models/d.sql', 'select 2 as id from no_such_table\n');
    const failed = await watch.nextBlock();
    expect(failed).toMatch(/ERROR \S+ model \S+\.d /);
    expect(failed).toContain('models/d.sql');
    expect(failed).toMatch(/ERROR=1/);

    write('models/d.sql', 'select 3 as id\n');
    const fixed = await watch.nextBlock();
    expect(ranIn(fixed)).toEqual(['d']);
    expect(fixed).toMatch(/ERROR=0/);
  });

  it('builds a new model file', async () => {
    write('models/e.sql', "select id from {{ ref('d') }}\n");
    const block = await watch.nextBlock();
    expect(block).toContain('models/e.sql (added)');
    expect(ranIn(block)).toEqual(['e']);
  });

  it('drops a deleted model from the graph and leaves its relation alone', async () => {
    write('models/e.sql', "select id from {{ ref('d') }}\n");
    expect(ranIn(await watch.nextBlock())).toEqual(['e']);
    fs.rmSync(path.join(dir, 'models/e.sql'));
    const block = await watch.nextBlock();
    expect(block).toContain('models/e.sql (deleted)');
    expect(block).toMatch(/removed model\.wt\.e from the graph; relation \S+\.e left in the database/);
    expect(ranIn(block)).toEqual([]);
  });

  it('runs a test added in schema YAML, and nothing else', async () => {
    write('models/schema.yml', PROJECT['models/schema.yml']!.replace('[not_null]', '[not_null, unique]'));
    const block = await watch.nextBlock();
    expect(block).toContain('changed: models/schema.yml');
    expect(ranIn(block)).toEqual(['unique_b_id']);
  });

  it('reloads the project on a project.yml edit and reruns what its config changes', async () => {
    write('project.yml', baseline['project.yml']!.replace('+materialized: view', '+materialized: view\n    d:\n      +materialized: table'));
    const block = await watch.nextBlock();
    expect(block).toContain('changed: project.yml');
    expect(ranIn(block)).toEqual(['d']);
    expect(block).toMatch(/OK created table model \S+\.d /);
  });

  it('turns a burst of ten saves into one change set', async () => {
    for (let i = 0; i < 10; i++) await saved('models/c.sql', `select id, ${i} as save from {{ ref('b') }}\n`);
    const block = await watch.nextBlock();
    expect(block).toMatch(/^changed: models\/c\.sql$/m);
    expect(ranIn(block)).toEqual(['c']);
    // Nothing of the burst is left for another change set: the next block is that of a later save elsewhere.
    write('macros/other.sql', '{% macro other() %}1 -- after the burst{% endmacro %}\n');
    const next = await watch.nextBlock();
    expect(next).toMatch(/^changed: macros\/other\.sql$/m);
    expect(ranIn(next)).toEqual([]);
  });
});
