/**
 * `on-run-start` and `on-run-end` in project.yml: run around the nodes, rendered with target and vars;
 * a failing start hook stops the run before any node, exit code 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata, withAdapter } from './cli.js';

describeEachEngine('on-run-start and on-run-end', (engine) => {
  it('run before and after the nodes, with target and vars rendered', async () => {
    const schema = uniqueSchema('hooks');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('runtime', target);
    fs.appendFileSync(
      path.join(dir, 'project.yml'),
      [
        'on-run-start:',
        '  - "create schema if not exists {{ target.schema }}"',
        '  - "create table if not exists {{ target.schema }}.run_log (step text, at timestamptz default clock_timestamp())"',
        `  - "insert into {{ target.schema }}.run_log (step) values ('{{ var(\\"label\\", \\"start\\") }}')"`,
        'on-run-end:',
        "  - \"insert into {{ target.schema }}.run_log (step) values ('end')\"",
        '',
      ].join('\n'),
    );
    const result = await strata(['build', '--project-dir', dir, '--select', 'solo', '--vars', '{label: begin}']);
    expect(result.exitCode, result.output).toBe(0);
    await withAdapter(target, async (adapter) => {
      const log = await adapter.query<{ step: string }>(`select step from ${quoteIdent(schema)}.run_log order by at`);
      expect(log.rows.map((r) => r.step)).toEqual(['begin', 'end']);
      const solo = await adapter.query(`select * from ${quoteIdent(schema)}.solo`);
      expect(solo.rows.length).toBeGreaterThan(0);
    });
  });

  it('a failing on-run-start hook stops the run before any node (exit code 1, project.yml named)', async () => {
    const schema = uniqueSchema('hookfail');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('runtime', target);
    fs.appendFileSync(path.join(dir, 'project.yml'), 'on-run-start:\n  - "select 1 / 0"\n');
    const result = await strata(['build', '--project-dir', dir, '--select', 'solo']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(/project\.yml\s+error STR435\s+on-run-start hook 1 failed: division by zero \(SQLSTATE 22012\)/);
    expect(result.output).not.toMatch(/OK created/);
  });
});
