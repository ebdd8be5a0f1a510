/** What the benchmark scripts share: where the repository is, the machine's name, medians, BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory of the `strata` package above this script (works from bench/ and from dist/bench/). */
export function findRepositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'strata') return dir;
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the strata package root above bench/');
    dir = parent;
  }
}

/** `AMD EPYC ...` from /proc/cpuinfo, else what Node reports. */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1]!.trim();
  } catch {
    // Not Linux: fall through to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Replaces the text between `startMark` and `endMark` in BENCHMARKS.md (`section` includes both marks);
 * without them, appends `heading` and the section.
 */
export function writeMarkedSection(file: string, startMark: string, endMark: string, section: string, heading: string): void {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(startMark);
  const end = current.indexOf(endMark);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + endMark.length)
      : `${current.trimEnd()}\n\n${heading}\n\n${section}\n`;
  writeFileSync(file, next);
}
