/**
 * A model that fails to parse is reported once, at its own file: the models that ref it (directly or
 * through others) are not reported again as `unknown ref` (with a did-you-mean pointing at a sibling),
 * and a problem elsewhere in the project is still reported with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strata } from '../engine/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-failed-parent-'));
  dirs.push(dir);
  const all = {
    'project.yml': 'name: shop\nmodels:\n  shop:\n    +materialized: view\n',
    'models/fct_orders.sql': "select * from {{ ref('stg_orders') }}\n",
    'models/agg_orders.sql': "select count(*) as n from {{ ref('fct_orders') }}\n",
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const errorLines = (output: string) => output.split('\n').filter((line) => /\berror STR\d{3}\b/.test(line));

describe('a model that fails to parse', () => {
  const parents: [string, string, string, string][] = [
    ['a Jinja syntax error', 'select 1 as id {% if %}\n', 'STR201', 'models/stg_orders.sql:1:'],
    ['an unknown macro', 'select {{ no_such_macro() }} as id\n', 'STR202', 'models/stg_orders.sql:1:'],
    ['a config call that does not parse', '{{ config(materialized=) }}\nselect 1 as id\n', 'STR201', 'models/stg_orders.sql:1:'],
    ['an unknown materialization', "{{ config(materialized='tabel') }}\nselect 1 as id\n", 'STR121', 'models/stg_orders.sql:1:11'],
    ['a bare name as a config value', '{{ config(materialized=table) }}\nselect 1 as id\n', 'STR137', 'models/stg_orders.sql:1:'],
  ];
  for (const [what, text, code, at] of parents) {
    it(`(${what}) is the one error: its children are not reported as unknown refs`, async () => {
      for (const command of ['compile', 'ls', 'build']) {
        const result = await strata([command, '--project-dir', project({ 'models/stg_orders.sql': text })]);
        expect(result.exitCode, result.output).toBe(2);
        const errors = errorLines(result.output);
        expect(errors, result.output).toHaveLength(1);
        expect(errors[0]).toContain(code);
        expect(errors[0]).toContain(at);
        expect(result.output).not.toContain('STR205');
        expect(result.output).not.toContain("unknown ref 'stg_orders'");
      }
    });
  }

  it('does not hide a real unknown ref elsewhere: both problems are reported at once', async () => {
    const dir = project({
      'models/stg_orders.sql': 'select 1 as id {% if %}\n',
      'models/other.sql': "select * from {{ ref('stg_order') }}\n",
    });
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode).toBe(2);
    const errors = errorLines(result.output);
    expect(errors, result.output).toHaveLength(2);
    expect(errors.some((line) => line.includes('STR201') && line.includes('models/stg_orders.sql'))).toBe(true);
    expect(errors.some((line) => line.includes('STR205') && line.includes('models/other.sql') && line.includes("unknown ref 'stg_order'"))).toBe(true);
  });
});
