import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startupProfile } from '../../compiler/adapters/pglite/startup-profile.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
afterEach(() => {
  delete process.env.STRATA_PGLITE_TIER_UP;
});

function dataDir(bytes: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-profile-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'base', '5'), { recursive: true });
  // A sparse file: its size counts, no disk is used.
  const file = path.join(dir, 'base', '5', '1259');
  fs.writeFileSync(file, '');
  if (bytes > 0) fs.truncateSync(file, bytes);
  return dir;
}

describe('startupProfile', () => {
  it('gives a small data directory 16MB of shared buffers', () => {
    expect(startupProfile(dataDir(64 << 20)).startParams).toEqual(['-c', 'shared_buffers=16MB']);
    expect(startupProfile(dataDir(0)).startParams).toEqual(['-c', 'shared_buffers=16MB']);
  });

  it("keeps Postgres's default for a data directory of a gibibyte or more", () => {
    expect(startupProfile(dataDir(1024 ** 3)).startParams).toEqual([]);
  });

  it('keeps the default for any size with STRATA_PGLITE_TIER_UP=1', () => {
    process.env.STRATA_PGLITE_TIER_UP = '1';
    expect(startupProfile(dataDir(1 << 20)).startParams).toEqual([]);
  });
});
