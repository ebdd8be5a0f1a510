/**
 * An embedded data directory that holds data is never silently re-created: PGlite would create a new,
 * empty database in a directory missing only its PG_VERSION file, over the old one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertDataDirUsable } from '../../compiler/adapters/pglite/data-dir-check.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata, withAdapter } from '../engine/cli.js';

describeEachEngine('a damaged embedded data directory', (engine) => {
  it.skipIf(engine.name !== 'pglite')('missing only PG_VERSION: exit 2 with a hint, the data left as it was', async () => {
    const schema = uniqueSchema('damaged');
    const target = engine.makeIsolatedTarget(schema);
    if (target.type !== 'pglite') return;
    const dir = projectOn('safety', target);
    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);

    const versionFile = path.join(target.path, 'PG_VERSION');
    const version = fs.readFileSync(versionFile);
    fs.rmSync(versionFile);
    const before = fs.readdirSync(target.path).sort();
    for (const args of [['build'], ['show', '--inline', 'select 1'], ['debug']]) {
      const result = await strata([...args, '--project-dir', dir]);
      expect(result.exitCode, result.output).toBe(2);
      expect(result.output).toContain('STR514');
      expect(result.output).toContain('move it away');
      expect(result.output).not.toMatch(/Creating the embedded database|STR000/);
    }
    expect(fs.existsSync(versionFile)).toBe(false);
    expect(fs.readdirSync(target.path).sort()).toEqual(before);

    fs.writeFileSync(versionFile, version);
    await withAdapter(target, async (adapter) => {
      const rows = await adapter.query<{ n: string | number }>(`select count(*) as n from ${quoteIdent(schema)}.base_ids`);
      expect(Number(rows.rows[0].n)).toBe(1000);
    });
  });
});

describeEachEngine('an embedded database whose creation was killed halfway', (engine) => {
  it.skipIf(engine.name !== 'pglite')('is created again from scratch, not refused', async () => {
    const schema = uniqueSchema('halfway');
    const target = engine.makeIsolatedTarget(schema);
    if (target.type !== 'pglite') return;
    const dataDir = `${target.path}-new`;
    fs.mkdirSync(path.join(dataDir, 'global'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'strata-creating'), '12345\n');
    fs.writeFileSync(path.join(dataDir, 'global', 'half-written'), 'x');
    const dir = projectOn('safety', { ...target, path: dataDir });
    const result = await strata(['build', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain('Creating the embedded database');
    expect(fs.existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'strata-creating'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'global', 'half-written'))).toBe(false);
  });
});

describe('assertDataDirUsable', () => {
  it('accepts a missing or empty directory (a new database) and refuses one with stray files', () => {
    const root = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'strata-datadir-'));
    try {
      expect(assertDataDirUsable(path.join(root, 'absent'))).toBe(true);
      fs.mkdirSync(path.join(root, 'empty'));
      fs.writeFileSync(path.join(root, 'empty', 'strata.lock'), '{}');
      // The size Strata kept of a database that is gone (startup-profile.ts) is ours too.
      fs.writeFileSync(path.join(root, 'empty', 'strata-size.json'), '{"bytes":1}');
      expect(assertDataDirUsable(path.join(root, 'empty'))).toBe(true);
      fs.mkdirSync(path.join(root, 'other'));
      fs.writeFileSync(path.join(root, 'other', 'notes.txt'), 'mine');
      expect(() => assertDataDirUsable(path.join(root, 'other'))).toThrow(/STR514|damaged/);
      expect(fs.readFileSync(path.join(root, 'other', 'notes.txt'), 'utf8')).toBe('mine');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
