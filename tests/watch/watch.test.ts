/**
 * `strata watch` end to end, as users run it: a child process on a temporary project, files written
 * by the test, output read block by block. One watch process per engine goes through the steps in
 * order (each step starts from what the previous one left).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

describeEachEngine('strata watch', (engine) => {
  let dir: string;
  let watch: WatchProcess;
  const write = (file: string, text: string) => writeFiles(dir, { [file]: text });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-watch-'));
    writeFiles(dir, PROJECT);
    fs.appendFileSync(path.join(dir, 'project.yml'), targetYaml(engine.makeIsolatedTarget(uniqueSchema('watch'))));
    watch = startWatchProcess(dir);
  });

  afterAll(async () => {
    const code = await watch?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('builds the whole selection first', async () => {
    const block = await watch.nextBlock();
    expect(block).toContain('first build');
    expect(ranIn(block).sort()).toEqual(['a', 'b', 'c', 'd', 'not_null_b_id']);
    expect(block).toMatch(/Done\. PASS=5 .* ERROR=0/);
    await watch.idle();
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
    const text = fs.readFileSync(path.join(dir, 'project.yml'), 'utf8');
    write('project.yml', text.replace('+materialized: view', '+materialized: view\n    d:\n      +materialized: table'));
    const block = await watch.nextBlock();
    expect(block).toContain('changed: project.yml');
    expect(ranIn(block)).toEqual(['d']);
    expect(block).toMatch(/OK created table model \S+\.d /);
  });

  it('turns a burst of ten saves into one change set', async () => {
    await watch.idle();
    const before = watch.output().split('── ').length;
    for (let i = 0; i < 10; i++) {
      write('models/c.sql', `select id, ${i} as save from {{ ref('b') }}\n`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const block = await watch.nextBlock();
    expect(ranIn(block)).toEqual(['c']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(watch.output().split('── ').length).toBe(before + 1);
  });
});
