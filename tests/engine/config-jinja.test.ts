/**
 * Jinja in config values is rendered where dbt renders it (the `models:`/`seeds:` trees, YAML
 * `config:`), with vars, env_var and target: never passed on as text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata, withAdapter } from './cli.js';

describeEachEngine('Jinja in config values', (engine) => {
  it('enabled, tags, schema and alias are rendered with vars and target', async () => {
    const schema = uniqueSchema('cfgjinja');
    const dir = projectOn('configjinja', engine.makeTarget(schema));
    const names = async (...args: string[]) => {
      const ls = await strata(['ls', '--project-dir', dir, '--output', 'name', ...args]);
      expect(ls.exitCode, ls.output).toBe(0);
      return ls.stdout.trim().split('\n').filter(Boolean).sort();
    };
    expect(await names('--select', 'tag:nightly')).toEqual(['totals']);
    expect(await names('--select', 'tag:weekly', '--vars', '{tag_name: weekly, include_extra: true}')).toEqual(['optional', 'totals']);
    const compile = await strata(['compile', '--project-dir', dir, '--vars', '{suffix: v2}']);
    expect(compile.exitCode, compile.output).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as {
      nodes: Record<string, { schema: string; alias: string; tags: string[] }>;
    };
    expect(manifest.nodes['model.configjinja.totals']).toMatchObject({ schema: `${schema}_mart`, alias: 'totals_v2', tags: ['nightly'] });
    expect(manifest.nodes['model.configjinja.optional']).toBeUndefined();
  });

  it('seed column_types are rendered before the table is created', async () => {
    const schema = uniqueSchema('cfgseed');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('configjinja', target);
    const seed = await strata(['seed', '--project-dir', dir, '--vars', '{number_type: "numeric(6,1)"}']);
    expect(seed.exitCode, seed.output).toBe(0);
    await withAdapter(target, async (adapter) => {
      const type = await adapter.query<{ data_type: string; numeric_precision: number }>(
        `select data_type, numeric_precision from information_schema.columns where table_schema = $1 and table_name = 'numbers'`,
        [schema],
      );
      expect(type.rows).toEqual([{ data_type: 'numeric', numeric_precision: 6 }]);
      expect((await adapter.query(`select count(*)::int as n from ${quoteIdent(schema)}.numbers`)).rows).toEqual([{ n: 2 }]);
    });
  });
});
