/**
 * Seeds stream from the file into COPY: types come from the first rows, a value further down that does
 * not fit fails the load at its file:line:column and leaves the previous table as it was, and a CSV
 * larger than the process may hold loads in bounded memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { runNodeScript } from '../support/strata-cli.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { REPO_ROOT, strata, targetYaml, withAdapter, writeFiles } from './cli.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * `id,amount,note` rows, about 30 bytes each, written in blocks. Row 10's note spans two lines, so the
 * file's line numbers run one ahead of the CSV's rows after it. `bad` replaces one row's amount.
 */
function writeCsv(file: string, rows: number, bad?: { row: number; amount: string }): void {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'id,amount,note\n');
  for (let start = 1; start <= rows; start += 100_000) {
    const lines: string[] = [];
    for (let id = start; id < Math.min(start + 100_000, rows + 1); id++) {
      const amount = bad?.row === id ? bad.amount : `${id % 1000}.${id % 100}`;
      lines.push(id === 10 ? `${id},${amount},"two\nlines"\n` : `${id},${amount},"note ${id % 977}, more"\n`);
    }
    fs.writeSync(fd, lines.join(''));
  }
  fs.closeSync(fd);
}

/** Runs the CLI in a child process with a small heap and reports its peak resident memory. */
async function peakRss(args: string[]): Promise<{ exitCode: number; output: string; peakMiB: number }> {
  const dir = tempDir('strata-rss-');
  const runner = path.join(dir, 'peak-rss.mjs');
  const main = pathToFileURL(path.join(REPO_ROOT, 'dist/compiler/cli/main.js')).href;
  fs.writeFileSync(
    runner,
    `const { main } = await import(${JSON.stringify(main)});\n` +
      'const code = await main(process.argv.slice(2));\n' +
      'process.stdout.write(`\\nPEAK_RSS_KB ${process.resourceUsage().maxRSS}\\n`);\n' +
      'process.exitCode = code;\n',
  );
  const result = await runNodeScript(runner, args, { timeoutMs: 240_000, env: { NODE_OPTIONS: '--max-old-space-size=96' } });
  const kb = Number(/PEAK_RSS_KB (\d+)/.exec(result.stdout)?.[1] ?? NaN);
  return { exitCode: result.exitCode, output: result.output, peakMiB: kb / 1024 };
}

describeEachEngine('seeds streamed into COPY', (engine) => {
  it('a bad value deep in a big CSV fails at its file:line:column and keeps the previous table', { timeout: 180_000 }, async () => {
    const schema = uniqueSchema('seedbad');
    const target = engine.makeIsolatedTarget(schema);
    const dir = tempDir('strata-seedbad-');
    writeFiles(dir, { 'project.yml': `name: seedbad\n${targetYaml(target)}` });
    fs.mkdirSync(path.join(dir, 'seeds'));
    const csv = path.join(dir, 'seeds/big.csv');
    // 400,000 rows (about 11 MB): past the type sample and, on PGlite, past the first COPY piece.
    writeCsv(csv, 400_000);
    const first = await strata(['seed', '--project-dir', dir], { timeoutMs: 120_000 });
    expect(first.exitCode, first.output).toBe(0);

    writeCsv(csv, 400_000, { row: 350_000, amount: 'twelve' });
    const second = await strata(['seed', '--project-dir', dir], { timeoutMs: 120_000 });
    expect(second.exitCode, second.output).toBe(1);
    // Row 350,000 is CSV row 350,001 (after the header) and file line 350,002 (row 10 spans two lines);
    // amount is the second column.
    expect(second.output).toMatch(/seeds\/big\.csv:350002:2 +error +STR411 +value "twelve" does not fit column amount \(numeric\)/);
    expect(second.output).toMatch(/inferred from the first [\d,]+ rows/);

    await withAdapter(target, async (adapter) => {
      const table = `${quoteIdent(schema)}.big`;
      const rows = await adapter.query<{ n: string | number; amount: string | number }>(
        `select count(*) as n, (select amount from ${table} where id = 350000) as amount from ${table}`,
      );
      expect(Number(rows.rows[0].n)).toBe(400_000);
      expect(Number(rows.rows[0].amount)).toBe(0);
      const leftovers = await adapter.query(`select table_name from information_schema.tables where table_schema = $1 and table_name <> 'big'`, [schema]);
      expect(leftovers.rows).toEqual([]);
    });
  });

  it('a CSV larger than the heap loads every row in bounded memory', { timeout: 300_000 }, async () => {
    const schema = uniqueSchema('seedbig');
    const target = engine.makeIsolatedTarget(schema);
    const dir = tempDir('strata-seedbig-');
    writeFiles(dir, { 'project.yml': `name: seedbig\n${targetYaml(target)}`, 'seeds/tiny.csv': 'id\n1\n' });
    // The engine's own footprint (PGlite's WebAssembly heap is about 300 MB before any data).
    const baseline = await peakRss(['seed', '--project-dir', dir]);
    expect(baseline.exitCode, baseline.output).toBe(0);

    const rows = 10_000_000;
    writeCsv(path.join(dir, 'seeds/big.csv'), rows);
    const size = fs.statSync(path.join(dir, 'seeds/big.csv')).size;
    expect(size).toBeGreaterThan(280 << 20);
    const loaded = await peakRss(['seed', '--project-dir', dir, '--select', 'big']);
    expect(loaded.exitCode, loaded.output).toBe(0);
    if (engine.name === 'postgres') expect(loaded.peakMiB).toBeLessThan(200);
    else expect(loaded.peakMiB - baseline.peakMiB).toBeLessThan(200);
    fs.rmSync(path.join(dir, 'seeds/big.csv'));

    await withAdapter(target, async (adapter) => {
      const count = await adapter.query<{ n: string | number; ids: string | number }>(`select count(*) as n, count(distinct id) as ids from ${quoteIdent(schema)}.big`);
      expect(Number(count.rows[0].n)).toBe(rows);
      expect(Number(count.rows[0].ids)).toBe(rows);
    });
  });
});
