/**
 * `+pre-hook` / `+post-hook` on seeds run inside the seed's transaction, as a model's do: the post-hook
 * sees the loaded table as `this`, a hook that renders to nothing sends nothing, and a failing hook
 * rolls the load back (the previous table stays).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { strata, targetYaml, withAdapter, writeFiles } from './cli.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const PROJECT = `name: seedhooks
on-run-start:
  - "create schema if not exists {{ target.schema }}"
  - "create table if not exists {{ target.schema }}.audit (seed text, kind text, n int)"
seeds:
  seedhooks:
    +pre-hook: "insert into {{ target.schema }}.audit select '{{ this.identifier }}', 'pre', null"
    +post-hook: "insert into {{ target.schema }}.audit select '{{ this.identifier }}', 'post', count(*) from {{ this }}"
    quiet:
      +post-hook: "{% set nothing_to_send = true %}"
    guarded:
      +post-hook: "select 1 / {{ var('divisor', 0) }}"
`;

describeEachEngine('seed hooks', (engine) => {
  it('run in the seed transaction: post-hooks see the new table, empty hooks are skipped, a failing hook keeps the old table', async () => {
    const schema = uniqueSchema('seedhooks');
    const target = engine.makeIsolatedTarget(schema);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-seedhooks-'));
    tempDirs.push(dir);
    writeFiles(dir, {
      'project.yml': PROJECT + targetYaml(target),
      'seeds/plain.csv': 'id,name\n1,a\n2,b\n3,c\n',
      'seeds/quiet.csv': 'id\n1\n',
      'seeds/guarded.csv': 'id\n1\n2\n',
    });

    const first = await strata(['seed', '--project-dir', dir, '--vars', '{divisor: 1}']);
    expect(first.exitCode, first.output).toBe(0);
    expect(first.output).toMatch(/OK loaded seed file .*plain/);
    await withAdapter(target, async (adapter) => {
      const audit = await adapter.query<{ seed: string; kind: string; n: number }>(`select seed, kind, n from ${quoteIdent(schema)}.audit order by seed, kind`);
      // The project-level post-hook and the seed's own both run (hooks add up, as on models).
      expect(audit.rows).toEqual([
        { seed: 'guarded', kind: 'post', n: 2 },
        { seed: 'guarded', kind: 'pre', n: null },
        { seed: 'plain', kind: 'post', n: 3 },
        { seed: 'plain', kind: 'pre', n: null },
        { seed: 'quiet', kind: 'post', n: 1 },
        { seed: 'quiet', kind: 'pre', n: null },
      ]);
    });

    fs.writeFileSync(path.join(dir, 'seeds/guarded.csv'), 'id\n1\n2\n3\n4\n');
    const second = await strata(['seed', '--project-dir', dir, '--select', 'guarded']);
    expect(second.exitCode, second.output).toBe(1);
    expect(second.output).toMatch(/division by zero/);
    await withAdapter(target, async (adapter) => {
      const rows = await adapter.query(`select * from ${quoteIdent(schema)}.guarded`);
      expect(rows.rows).toHaveLength(2);
      // The pre-hook's row of the failed load was rolled back with it.
      const audit = await adapter.query<{ kind: string; n: number | null }>(`select kind, n from ${quoteIdent(schema)}.audit where seed = 'guarded' order by kind`);
      expect(audit.rows).toEqual([
        { kind: 'post', n: 2 },
        { kind: 'pre', n: null },
      ]);
    });
  });
});
