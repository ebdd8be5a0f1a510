import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SIZE_FILE, startupProfile } from '../../compiler/adapters/pglite/startup-profile.js';

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

  it('keeps the size it measured in a database directory for an hour, then measures again', () => {
    const dir = dataDir(1 << 20);
    fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
    expect(startupProfile(dir).startParams).toEqual(['-c', 'shared_buffers=16MB']);
    const kept = path.join(dir, SIZE_FILE);
    expect(JSON.parse(fs.readFileSync(kept, 'utf8'))).toEqual({ bytes: (1 << 20) + 3 });
    // Grown past a gibibyte: the kept size still answers...
    fs.truncateSync(path.join(dir, 'base', '5', '1259'), 1024 ** 3);
    expect(startupProfile(dir).startParams).toEqual(['-c', 'shared_buffers=16MB']);
    // ...until it is an hour old.
    const hourAgo = new Date(Date.now() - 61 * 60 * 1000);
    fs.utimesSync(kept, hourAgo, hourAgo);
    expect(startupProfile(dir).startParams).toEqual([]);
  });

  it('writes nothing into a directory that holds no database yet', () => {
    const dir = dataDir(1 << 20);
    startupProfile(dir);
    expect(fs.existsSync(path.join(dir, SIZE_FILE))).toBe(false);
  });

  it('keeps the default for any size with STRATA_PGLITE_TIER_UP=1', () => {
    process.env.STRATA_PGLITE_TIER_UP = '1';
    expect(startupProfile(dataDir(1 << 20)).startParams).toEqual([]);
  });
});
