/**
 * The README's table of dbt configs against the parser: every config key Strata knows is in it, with
 * the status the code gives it, and each row names a test that mentions the key. Keys set but not acted
 * on (or unknown) are warnings naming them; `full_refresh`, `fail_calc` and `group` act as the table
 * says, on both engines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_KEYS } from '../../compiler/project/config-tree.js';
import { TEST_CONFIG_KEYS } from '../../compiler/project/data-tests-yaml.js';
import { CONFIG_KEYS, type ConfigResource } from '../../compiler/render/config-keys.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { REPO_ROOT, runResults, strata, withAdapter } from '../engine/cli.js';
import { rows, tinyProject } from './tiny-project.js';

interface TableRow {
  key: string;
  on: ConfigResource[];
  status: string;
  test: string;
}

function readmeTable(): TableRow[] {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- config-table:start -->');
  const end = readme.indexOf('<!-- config-table:end -->');
  expect(start, 'the README has the config table markers').toBeGreaterThan(0);
  return readme
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      return {
        key: cells[0]!.replace(/`/g, ''),
        on: cells[1]!.split(',').map((s) => s.trim() as ConfigResource),
        status: cells[2]!,
        test: cells[4]!.replace(/`/g, ''),
      };
    });
}

describe("the README's config table", () => {
  const table = readmeTable();

  it('lists every config key the parser knows', () => {
    const listed = new Set(table.map((row) => row.key));
    const known = new Set([...KNOWN_KEYS].map((key) => key.replace(/-/g, '_')));
    for (const key of TEST_CONFIG_KEYS) known.add(key);
    for (const entry of CONFIG_KEYS) known.add(entry.key);
    expect([...known].filter((key) => !listed.has(key)).sort()).toEqual([]);
  });

  it('gives each key the status the code gives it, and only "applied" or "warns, not applied"', () => {
    for (const row of table) expect(['applied', 'warns, not applied'], row.key).toContain(row.status);
    for (const entry of CONFIG_KEYS) {
      const rowsOf = table.filter((row) => row.key === entry.key);
      const on = (status: string) => rowsOf.filter((row) => row.status === status).flatMap((row) => row.on).sort();
      expect({ key: entry.key, applied: on('applied'), warns: on('warns, not applied') }).toEqual({
        key: entry.key,
        applied: [...entry.applied].sort(),
        warns: [...entry.warns].sort(),
      });
    }
    expect(table.filter((row) => !CONFIG_KEYS.some((entry) => entry.key === row.key)).map((row) => row.key)).toEqual([]);
  });

  it('names, for each row, a test file that mentions the key', () => {
    const problems: string[] = [];
    for (const row of table) {
      const file = path.join(REPO_ROOT, row.test);
      if (!row.test.startsWith('tests/') || !fs.existsSync(file)) {
        problems.push(`${row.key}: no test file ${row.test}`);
        continue;
      }
      const text = fs.readFileSync(file, 'utf8');
      if (!text.includes(row.key) && !text.includes(row.key.replace(/_/g, '-'))) problems.push(`${row.key}: ${row.test} does not mention it`);
    }
    expect(problems).toEqual([]);
  });
});

/** Several CLI builds per test: PGlite on a busy machine needs more than the default minute. */
const SLOW = 240_000;

describeEachEngine('config keys', (engine) => {
  it('warns about each key set but not acted on, and about unknown keys with the closest one', async () => {
    const schema = uniqueSchema('keys');
    const dir = tinyProject(
      'keys',
      engine.makeTarget(schema),
      {
        'models/orders.sql': "{{ config(sql_header='set work_mem = 1', unlogged=true, materialised='table') }}\nselect 1 as id\n",
        'models/other.sql': "{{ config(database='elsewhere', concurrent_batches=true, on_configuration_change='apply') }}\nselect 1 as id\n",
        'seeds/codes.csv': 'code\na\n',
        'snapshots/codes_history.sql':
          "{% snapshot codes_history %}\n{{ config(unique_key='code', strategy='check', check_cols='all', target_database='x', event_time='code') }}\nselect * from {{ ref('codes') }}\n{% endsnapshot %}\n",
        'tests/sql/no_rows.sql': "{{ config(store_failures_as='view') }}\nselect 1 as n where false\n",
      },
      `models:\n  keys:\n    +quoting: {identifier: true}\n    +packages: [numpy]\n    +submission_method: serverless\n    +freshness: {build_after: {count: 1, period: day}}\nseeds:\n  keys:\n    +delimiter: ";"\n    +quote_columns: false\n    +full_refresh: false\n    +indexes: [{columns: [code]}]\n`,
    );
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    const warned = (key: string, what: string) =>
      expect(result.output, key).toMatch(new RegExp(`warning\\s+STR146\\s+config '${key}' of ${what} is accepted but Strata does not act on it`));
    warned('sql_header', "model 'orders'");
    warned('unlogged', "model 'orders'");
    warned('database', "model 'other'");
    warned('concurrent_batches', "model 'other'");
    warned('on_configuration_change', "model 'other'");
    warned('quoting', "models 'orders', 'other'");
    warned('packages', "models 'orders', 'other'");
    warned('submission_method', "models 'orders', 'other'");
    warned('freshness', "models 'orders', 'other'");
    warned('delimiter', "seed 'codes'");
    warned('quote_columns', "seed 'codes'");
    warned('full_refresh', "seed 'codes'");
    warned('indexes', "seed 'codes'");
    warned('target_database', "snapshot 'codes_history'");
    warned('event_time', "snapshot 'codes_history'");
    warned('store_failures_as', "test 'no_rows'");
    expect(result.output).toMatch(/warning\s+STR147\s+unknown config 'materialised' of model 'orders' \(ignored\)\s+\(did you mean 'materialized'\?\)/);
    // Each (key, resource type) once, however many nodes set it.
    expect(result.output.match(/config 'quoting'/g)).toHaveLength(1);
  }, SLOW);

  it('full_refresh: false keeps an incremental table under --full-refresh, true rebuilds it every time', async () => {
    const schema = uniqueSchema('keys_fr');
    const model = (flag: boolean) => `{{ config(materialized='incremental', full_refresh=${flag ? 'true' : 'false'}) }}\nselect {{ var('n', 1) }} as n\n`;
    const dir = tinyProject('keys', engine.makeTarget(schema), { 'models/kept.sql': model(false), 'models/rebuilt.sql': model(true) });
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);
    const second = await strata(['build', '--project-dir', dir, '--full-refresh', '--vars', '{n: 2}']);
    expect(second.exitCode, second.output).toBe(0);
    const third = await strata(['build', '--project-dir', dir, '--vars', '{n: 3}']);
    expect(third.exitCode, third.output).toBe(0);
    const found = await withAdapter(engine.makeTarget(schema), async (adapter) => ({
      kept: (await rows<{ n: number }>(adapter, `select n from "${schema}".kept order by n`)).map((r) => r.n),
      rebuilt: (await rows<{ n: number }>(adapter, `select n from "${schema}".rebuilt order by n`)).map((r) => r.n),
    }));
    expect(found).toEqual({ kept: [1, 2, 3], rebuilt: [3] });
  }, SLOW);

  it('fail_calc counts failures with its expression, and group is written to the manifest', async () => {
    const schema = uniqueSchema('keys_fc');
    const dir = tinyProject('keys', engine.makeTarget(schema), {
      'models/orders.sql': "{{ config(group='finance') }}\nselect 1 as id\n",
      'models/_groups.yml': 'version: 2\ngroups:\n  - name: finance\n    owner: {name: Finance}\n',
      'tests/sql/weighted.sql': "{{ config(fail_calc='sum(n)', severity='warn') }}\nselect 2 as n union all select 3\n",
    });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(runResults(dir).get('weighted')).toMatchObject({ status: 'warn', failures: 5 });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.keys.orders'].config.group).toBe('finance');
  }, SLOW);
});
