/**
 * `npm run bench:docs`: times `strata docs generate` on synthetic projects, and the generated site's
 * first paint and selector filter times in a real headless Chromium (read from the page's
 * `performance` marks through playwright-core).
 *
 *   node dist/bench/docs.js [--sizes 1000,10000] [--runs 5] [--write] [--chromium /usr/bin/chromium]
 *
 * For each size: generate the project into bench/.out/docs-<size>/, then
 * - `docs generate --empty-catalog` `--runs` times (no database: compile, manifest, site);
 * - `docs generate` `--runs` times after one untimed run that creates the embedded database (the
 *   project is not built, so the catalog query runs against an empty target: its cost is the open and
 *   the query, not the size of the answer);
 * - `--runs` fresh page loads of target/index.html from file://: `strata:first-paint` (from navigation
 *   start to the frame after the first lineage is drawn) and, per selector, `strata:filter` (from the
 *   selector's evaluation to the frame after the redraw).
 * `--write` replaces the section between the bench:docs marks in BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { cpuModel, findRepositoryRoot, median, writeMarkedSection } from './bench-report.js';
import { modelName, writeSyntheticProject } from './synthetic-project.js';

const START_MARK = '<!-- bench:docs:start -->';
const END_MARK = '<!-- bench:docs:end -->';

interface Row {
  what: string;
  samples: number[];
  unit: 's' | 'ms';
  note?: string;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      runs: { type: 'string', default: '5' },
      write: { type: 'boolean', default: false },
      chromium: { type: 'string' },
    },
  });
  const root = findRepositoryRoot();
  const sizes = values.sizes.split(',').map(Number);
  const runs = Number(values.runs);
  const executablePath = values.chromium ?? findChromium();
  if (!executablePath) throw new Error('no Chromium found: install the chromium package or pass --chromium');
  const rows: Row[] = [];
  for (const models of sizes) {
    const dir = join(root, 'bench', '.out', `docs-${models}`);
    writeSyntheticProject(dir, { models });
    rmSync(join(dir, '.strata'), { recursive: true, force: true });
    const generate = (extra: string[]) => timeCommand(root, ['bin/strata.js', 'docs', 'generate', '--project-dir', dir, ...extra]);
    const size = models.toLocaleString('en-US');
    rows.push({ what: `\`docs generate --empty-catalog\`, ${size} models`, samples: repeat(runs, () => generate(['--empty-catalog'])), unit: 's' });
    generate([]);
    rows.push({ what: `\`docs generate\` (embedded target, reopened), ${size} models`, samples: repeat(runs, () => generate([])), unit: 's' });
    rows.push(...(await measurePage(executablePath, join(dir, 'target', 'index.html'), models, runs)));
  }
  const section = render(rows, runs, executablePath);
  process.stdout.write(`\n${section}\n`);
  if (values.write) writeMarkedSection(join(root, 'BENCHMARKS.md'), START_MARK, END_MARK, section, '## `strata docs generate` and the docs site (`npm run bench:docs -- --write`)');
  return 0;
}

function repeat(runs: number, fn: () => number): number[] {
  return Array.from({ length: runs }, fn);
}

/** Wall seconds of `node <args>` from the repository root; throws when it fails. */
function timeCommand(root: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return (performance.now() - started) / 1000;
}

async function measurePage(executablePath: string, indexFile: string, models: number, runs: number): Promise<Row[]> {
  const last = modelName(models - 1);
  const selectors = [`+${last}`, 'path:models/layer_03', 'layer_10+', `${modelName(1).slice(0, -1)}*`];
  const size = models.toLocaleString('en-US');
  const firstPaint: Row = { what: `first paint, ${size} models`, samples: [], unit: 'ms' };
  const filters = selectors.map((selector): Row => ({ what: `filter \`${selector}\`, ${size} models`, samples: [], unit: 'ms' }));
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    for (let run = 0; run < runs; run++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
      await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
      await page.goto(`file://${indexFile}`);
      await page.waitForFunction(() => performance.getEntriesByName('strata:first-paint').length > 0, null, { timeout: 120_000 });
      firstPaint.samples.push(await page.evaluate(() => performance.getEntriesByName('strata:first-paint')[0]!.startTime));
      firstPaint.note = (await page.textContent('#selection-info')) ?? '';
      for (const [index, selector] of selectors.entries()) {
        const shown = await page.evaluate((text) => {
          performance.clearMeasures('strata:filter');
          return (globalThis as unknown as { strataDocs: { select(text: string): { count: number; mode: string; drawn: number } } }).strataDocs.select(text);
        }, selector);
        await page.waitForFunction(() => performance.getEntriesByName('strata:filter').length > 0, null, { timeout: 120_000 });
        filters[index]!.samples.push(await page.evaluate(() => performance.getEntriesByName('strata:filter')[0]!.duration));
        filters[index]!.note = `${shown.count} nodes, ${shown.mode === 'layered' ? 'dagre layout' : shown.mode === 'folders' ? `${shown.drawn} folders` : 'columns by layer'}`;
      }
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return [firstPaint, ...filters];
}

function render(rows: Row[], runs: number, executablePath: string): string {
  const version = spawnSync(executablePath, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const show = (row: Row, value: number) => (row.unit === 's' ? `${value.toFixed(2)} s` : `${Math.round(value)} ms`);
  return [
    START_MARK,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpuModel()}, ${cpus().length} cores, Node ${process.version}, ${version || 'Chromium'} (headless); median of ${runs}.`,
    'The machine is shared with other work and noisy: read differences under ~30% as noise.',
    '',
    '| what | median | min | max | shown |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((row) => `| ${row.what} | ${show(row, median(row.samples))} | ${show(row, Math.min(...row.samples))} | ${show(row, Math.max(...row.samples))} | ${row.note ?? ''} |`),
    END_MARK,
  ].join('\n');
}

function findChromium(): string | undefined {
  const candidates = [process.env.STRATA_CHROMIUM, ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chromium')), '/usr/bin/chromium'];
  return candidates.find((file): file is string => {
    if (!file) return false;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
