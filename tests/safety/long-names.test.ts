/**
 * PostgreSQL cuts identifiers to 63 bytes without an error: two models whose names share their first
 * 63 bytes would be one relation. Found at parse time, before any database is opened.
 */
import { describe, expect, it } from 'vitest';
import { checkRelationNames, truncateIdentifier } from '../../compiler/graph/relation-names.js';
import { scratchName } from '../../compiler/run/scratch-names.js';
import { copyFixture, strata, writeFiles } from '../engine/cli.js';

const LONG = 'x'.repeat(63);

describe('relation names past 63 bytes', () => {
  it('two models sharing their first 63 characters: exit 2 naming both files, for build, run, compile and ls', async () => {
    const dir = copyFixture('safety');
    writeFiles(dir, { [`models/${LONG}_one.sql`]: 'select 1 as id', [`models/${LONG}_two.sql`]: 'select 2 as id' });
    for (const command of ['build', 'run', 'compile', 'ls']) {
      const result = await strata([command, '--project-dir', dir]);
      expect(result.exitCode, result.output).toBe(2);
      expect(result.output).toContain('STR123');
      expect(result.output).toContain(`models/${LONG}_one.sql`);
      expect(result.output).toContain(`models/${LONG}_two.sql`);
      expect(result.output).not.toMatch(/OK created/);
    }
  });

  it('one name past 63 bytes is an error that says what PostgreSQL would call it', async () => {
    const dir = copyFixture('safety');
    writeFiles(dir, { [`models/${LONG}_alone.sql`]: 'select 1 as id' });
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain('STR124');
    expect(result.output).toContain(`'${LONG}'`);
  });

  it('truncates at a character boundary, as PostgreSQL does', () => {
    expect(truncateIdentifier('é'.repeat(40))).toBe('é'.repeat(31));
    expect(truncateIdentifier('short')).toBe('short');
  });

  it('aliases that differ within 63 bytes are fine', () => {
    const node = (name: string, alias: string) =>
      ({ id: `model.p.${name}`, name, alias, schema: 's', path: `models/${name}.sql`, resourceType: 'model', config: { materialized: 'table' } }) as never;
    expect(checkRelationNames({ nodes: { a: node('a', 'a'.repeat(63)), b: node('b', 'b'.repeat(63)) } } as never)).toEqual([]);
  });

  it('scratch names stay within 63 bytes and apart, for long and multi-byte names', () => {
    for (const base of [LONG, 'é'.repeat(31), '🦆'.repeat(15) + 'x', 'short']) {
      for (const purpose of ['tmp', 'old']) {
        const name = scratchName(base, purpose, 'a1b2c3');
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
        expect(name).not.toContain('\uFFFD');
        expect(name).toMatch(new RegExp(`__strata_${purpose}_a1b2c3$`));
      }
    }
    expect(scratchName(`${LONG}_one`, 'tmp', 'r')).not.toBe(scratchName(`${LONG}_two`, 'tmp', 'r'));
  });
});
