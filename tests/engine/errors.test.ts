/**
 * Project errors through the CLI: exit code 2 and a diagnostic with file:line:col, before any database
 * is opened. Each test breaks one file of a copy of tests/fixtures/projects/dag.
 */
import { describe, expect, it } from 'vitest';
import { copyFixture, strata, writeFiles } from './cli.js';

function brokenDag(files: Record<string, string>): string {
  const dir = copyFixture('dag');
  writeFiles(dir, files);
  return dir;
}

describe.concurrent('project errors', () => {
  it('a cycle: exit code 2, the whole cycle with file names', async () => {
    const dir = brokenDag({ 'models/staging/stg_orders.sql': "select * from {{ ref('report') }}\n" });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/\berror STR301\s+.*dependency cycle/);
    for (const file of ['models/staging/stg_orders.sql', 'models/intermediate/int_orders.sql', 'models/gold/fct_orders.sql', 'models/report.sql']) {
      expect(result.output).toContain(file);
    }
    const cycle = result.output.split('\n').find((line) => line.includes('dependency cycle')) ?? '';
    const names = [...cycle.matchAll(/(model\.dag\.\w+) \(models\/[\w/]+\.sql\)/g)].map((m) => m[1]);
    expect(names).toHaveLength(5);
    expect(names[0]).toBe(names[4]);
    expect(new Set(names)).toEqual(new Set(['model.dag.stg_orders', 'model.dag.int_orders', 'model.dag.fct_orders', 'model.dag.report']));
  });

  it('an unknown ref: file:line:col and did you mean', async () => {
    const dir = brokenDag({ 'models/report.sql': "select 1 as a\nunion all\nselect * from {{ ref('int_order') }}\n" });
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/models\/report\.sql:3:15\s+error STR205\s+unknown ref 'int_order'.*did you mean 'int_orders'\?/);
  });

  it('broken project.yml: file:line:col', async () => {
    const dir = brokenDag({ 'project.yml': 'name: dag\nmodels:\n  dag:\n    +materialized: [view\n' });
    const result = await strata(['ls', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/project\.yml:\d+:\d+\s+error STR101\s+invalid YAML/);
  });

  it('broken schema YAML: file:line:col, reported first', async () => {
    const dir = brokenDag({
      'models/gold/_gold.yml': 'version: 2\nmodels:\n  - name: dim_customers\n    columns:\n      - name: id\n        data_tests: [unique\n  - name: x\n',
    });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.stderr.split('\n')[0]).toMatch(/^models\/gold\/_gold\.yml:\d+:\d+\s+error STR101\s+invalid YAML/);
  });

  it('a schema YAML of the wrong shape: file:line:col of the value', async () => {
    const dir = brokenDag({ 'models/gold/_gold.yml': 'version: 2\nmodels:\n  - name: dim_customers\n    columns: 5\n' });
    const result = await strata(['ls', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toMatch(/models\/gold\/_gold\.yml:4:14\s+error STR102\s+'models\.0\.columns'/);
  });

  it('several problems in several files: every one reported at once, each with its code and place, in file order', async () => {
    const dir = brokenDag({
      'models/report.sql': "select * from {{ ref('int_order') }}\n",
      'models/broken.sql': 'select 1 as id {% if %}\n',
      'models/badcfg.sql': "{{ config(materialized='tabel') }}\nselect 1 as id\n",
      'models/nomacro.sql': 'select {{ undefined_macro() }} as id\n',
    });
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    const errors = result.output.split('\n').filter((line) => /\berror STR\d{3}\b/.test(line));
    expect(errors.map((line) => /^(\S+)\s+error (STR\d{3})/.exec(line)?.slice(1).join(' '))).toEqual([
      'models/badcfg.sql:1:11 STR121',
      'models/broken.sql:1:22 STR201',
      'models/nomacro.sql:1:11 STR202',
      'models/report.sql:1:15 STR205',
    ]);
  });

  it('a wrong command line is exit code 2', async () => {
    const result = await strata(['ls', '--project-dir', copyFixture('dag'), '--bogus']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Unknown argument');
  });
});
