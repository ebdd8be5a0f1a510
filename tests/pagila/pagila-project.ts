/**
 * Helpers of the Pagila suites: copies of the repository's Pagila project in temp directories, pointed
 * at test targets, the CLI run as a child process, the generator, and the seed CSVs read in plain
 * JavaScript (figures computed without the database).
 *
 * @example
 *   const dir = copyPagilaProject();
 *   writeTargets(dir, { test: engine.makeIsolatedTarget(schema) }, 'test');
 *   const result = await strata(['build', '--project-dir', dir]);
 *   expect(summary(result.stdout)).toMatchObject({ error: 0 });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseDocument } from 'yaml';
import { runNodeScript, strata as runCli, type CliResult } from '../support/strata-cli.js';

export { withAdapter, type CliResult } from '../support/strata-cli.js';
import type { TargetConfig } from '../../compiler/project/target.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SEEDS_DIR = path.join(REPO_ROOT, 'seeds');
const BIN = path.join(REPO_ROOT, 'bin/strata.js');
const GENERATOR = path.join(REPO_ROOT, 'dist/bench/generate-pagila.js');

export const SEED_TABLES = [
  'address', 'category', 'city', 'country', 'customer', 'film', 'film_category',
  'inventory', 'language', 'payment', 'rental', 'staff', 'store',
] as const;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `strata-${prefix}-`));
}

/**
 * A copy of the Pagila project (project.yml, models, macros, snapshots, singular tests, seeds) in a new temp
 * directory; `seedsFrom` replaces the committed seeds with other CSVs (e.g. generated at scale 10).
 */
export function copyPagilaProject(seedsFrom: string = SEEDS_DIR): string {
  const dir = tempDir('pagila');
  fs.copyFileSync(path.join(REPO_ROOT, 'project.yml'), path.join(dir, 'project.yml'));
  for (const sub of ['models', 'macros', 'snapshots', 'tests/sql', 'dashboards']) {
    fs.cpSync(path.join(REPO_ROOT, sub), path.join(dir, sub), { recursive: true });
  }
  fs.mkdirSync(path.join(dir, 'seeds'));
  for (const table of SEED_TABLES) {
    fs.copyFileSync(path.join(seedsFrom, `${table}.csv`), path.join(dir, 'seeds', `${table}.csv`));
  }
  return dir;
}

/** Replaces the `targets:` of the copy's project.yml (comments and the rest kept) and its default. */
export function writeTargets(projectDir: string, targets: Record<string, TargetConfig>, defaultTarget: string): void {
  const file = path.join(projectDir, 'project.yml');
  const document = parseDocument(fs.readFileSync(file, 'utf8'));
  const entries = Object.fromEntries(
    Object.entries(targets).map(([name, target]) => [
      name,
      target.type === 'pglite'
        ? { type: 'pglite', path: target.path, schema: target.schema }
        : { type: 'postgres', url: target.url, schema: target.schema, threads: target.threads },
    ]),
  );
  document.set('targets', entries);
  document.set('target', defaultTarget);
  fs.writeFileSync(file, document.toString());
}

/** `node bin/strata.js <args>`; resolves when the child exits, whatever its exit code. */
export function strata(args: string[], timeoutMs = 150_000): Promise<CliResult> {
  return runCli(args, { timeoutMs });
}

export interface RunSummary {
  pass: number;
  warn: number;
  error: number;
  skip: number;
  total: number;
}

/** The counts of the `Done. PASS=n WARN=n ERROR=n SKIP=n TOTAL=n` line, or undefined without one. */
export function summary(stdout: string): RunSummary | undefined {
  const match = /Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+) TOTAL=(\d+)/.exec(stdout);
  if (!match) return undefined;
  const [pass, warn, error, skip, total] = match.slice(1).map(Number);
  return { pass, warn, error, skip, total };
}

/** A failure message that shows what the CLI printed. */
export function describeRun(result: CliResult): string {
  const tail = (text: string) => text.split('\n').slice(-40).join('\n');
  return `exit ${result.exitCode}\n--- stdout (tail)\n${tail(result.stdout)}\n--- stderr (tail)\n${tail(result.stderr)}`;
}

/** Runs the compiled generator (`dist/`, built by `npm test`'s pretest) into `outDir`. */
export async function generatePagila(scale: number, outDir: string): Promise<void> {
  if (!fs.existsSync(GENERATOR)) throw new Error(`${GENERATOR} is missing: run \`npx tsc -p tsconfig.build.json\` first`);
  const result = await runNodeScript(GENERATOR, ['--scale', String(scale), '--out', outDir], { timeoutMs: 120_000 });
  if (result.exitCode !== 0) throw new Error(`generator failed: ${describeRun(result)}`);
}

// ---- figures computed from the CSV files, without any database ----

/** A money amount as written in the CSVs (`4.99`, `0.00`, `11`) in integer cents. */
export function cents(amount: string): number {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`not an amount: '${amount}'`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** `12345` cents → `'123.45'`, the text form of a numeric(…, 2). */
export function formatCents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

export function readCsv(dir: string, table: string): Record<string, string>[] {
  return parseCsv(fs.readFileSync(path.join(dir, `${table}.csv`)), { columns: true }) as Record<string, string>[];
}

export interface CsvFigures {
  customers: number;
  /** Sum of every payment amount, in cents. */
  revenueCents: number;
  /** Customers per tier, by total payments: Platinum ≥ 100.00, Gold ≥ 50.00, Silver ≥ 20.00, else Bronze. */
  tiers: Record<'Platinum' | 'Gold' | 'Silver' | 'Bronze', number>;
}

/** The gold figures of a directory of Pagila CSVs, from the files alone. */
export function csvFigures(dir: string): CsvFigures {
  const customerIds = readCsv(dir, 'customer').map((row) => row.customer_id);
  const spent = new Map<string, number>(customerIds.map((id) => [id, 0]));
  let revenueCents = 0;
  for (const row of readCsv(dir, 'payment')) {
    const amount = cents(row.amount);
    revenueCents += amount;
    spent.set(row.customer_id, (spent.get(row.customer_id) ?? 0) + amount);
  }
  const tiers = { Platinum: 0, Gold: 0, Silver: 0, Bronze: 0 };
  for (const id of customerIds) {
    const total = spent.get(id) ?? 0;
    if (total >= 100_00) tiers.Platinum++;
    else if (total >= 50_00) tiers.Gold++;
    else if (total >= 20_00) tiers.Silver++;
    else tiers.Bronze++;
  }
  return { customers: customerIds.length, revenueCents, tiers };
}
