/**
 * `npm run generate -- --scale 1` reproduces the committed seeds: the generator (compiled to dist/ by
 * `npm test`'s pretest) writes every file of seeds/ byte for byte, and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePagila, SEED_TABLES, SEEDS_DIR, tempDir } from './pagila-project.js';

describe('pagila generator', () => {
  let outDir: string;

  beforeAll(async () => {
    outDir = tempDir('pagila-gen');
    await generatePagila(1, outDir);
  });

  afterAll(() => {
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('writes the same files as seeds/', () => {
    const csv = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.csv')).sort();
    expect(csv(SEEDS_DIR)).toEqual(SEED_TABLES.map((table) => `${table}.csv`));
    expect(csv(outDir)).toEqual(csv(SEEDS_DIR));
  });

  it.each(SEED_TABLES.map((table) => `${table}.csv`))('reproduces seeds/%s byte for byte', (file) => {
    const generated = fs.readFileSync(path.join(outDir, file));
    const committed = fs.readFileSync(path.join(SEEDS_DIR, file));
    expect(generated.length).toBe(committed.length);
    // Buffer.equals, not toEqual: a failure should not print two large buffers.
    const firstDifference = generated.findIndex((byte, i) => byte !== committed[i]);
    expect(firstDifference, `first differing byte at offset ${firstDifference}`).toBe(-1);
    expect(generated.equals(committed)).toBe(true);
  });
});
