import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractTarGz, readTar } from '../../compiler/deps/tarball.js';
import { tempDir, writeFiles } from './deps-fixtures.js';

function tarOf(dir: string, format: string, ...members: string[]): Buffer {
  const out = path.join(tempDir(), 'x.tar');
  execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', dir, ...members]);
  return readFileSync(out);
}

describe('tarball reader', () => {
  const longName = `${'deep/'.repeat(25)}macro.sql`;

  it.each(['gnu', 'pax', 'ustar'])('reads %s archives with long names and strips the one top folder', (format) => {
    const src = writeFiles(tempDir(), { [`pkg-1.0.0/${format === 'ustar' ? 'short/macro.sql' : longName}`]: 'select 1\n', 'pkg-1.0.0/dbt_project.yml': 'name: pkg\n' });
    const dest = path.join(tempDir(), 'out');
    extractTarGz(gzipSync(tarOf(src, format, 'pkg-1.0.0')), dest);
    expect(readFileSync(path.join(dest, 'dbt_project.yml'), 'utf8')).toBe('name: pkg\n');
    expect(readFileSync(path.join(dest, format === 'ustar' ? 'short/macro.sql' : longName), 'utf8')).toBe('select 1\n');
  });

  it('keeps several top-level entries as they are', () => {
    const src = writeFiles(tempDir(), { 'dbt_project.yml': 'name: pkg\n', 'macros/a.sql': 'a\n' });
    const dest = path.join(tempDir(), 'out');
    extractTarGz(gzipSync(tarOf(src, 'gnu', 'dbt_project.yml', 'macros')), dest);
    expect(existsSync(path.join(dest, 'macros/a.sql'))).toBe(true);
  });

  it('refuses paths that leave the folder and corrupt headers', () => {
    const archive = tarOf(writeFiles(tempDir(), { 'a.txt': 'a\n' }), 'ustar', 'a.txt');
    const evil = Buffer.from(archive);
    evil.write('../../evil.txt\0', 0, 'utf8');
    let sum = 0;
    evil.fill(32, 148, 156);
    for (let i = 0; i < 512; i++) sum += evil[i];
    evil.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'utf8');
    expect(() => extractTarGz(gzipSync(evil), path.join(tempDir(), 'out'))).toThrow(/unsafe path/);
    const corrupt = Buffer.from(archive);
    corrupt[0] = 'b'.charCodeAt(0);
    expect(() => readTar(corrupt)).toThrow(/corrupt tar header/);
  });
});
