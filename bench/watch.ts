/**
 * `npm run bench:watch`: how long `strata watch` takes to rebuild one edited model, minus the time the
 * database spends on it.
 *
 *   node dist/bench/watch.js [--sizes 1000,10000] [--engines pglite,postgres] [--edits 5] [--debounce 20]
 *     [--full-first-build] [--write]
 *
 * For each size and engine: generate the synthetic project (bench/synthetic-project.ts) into
 * bench/.out/watch-<size>/, create the source table it reads, start `strata watch --changed-only
 * --log-format json --select +<model>` as a child process and let it finish its first build (the edited
 * model and its ancestors; `--full-first-build` builds all models first, which takes many minutes at
 * 10,000 on PGlite; the whole project is parsed, graphed and fingerprinted either way). Then `--edits` times: append
 * a comment to the model in the middle of the DAG (which changes its compiled SQL), and take the time from
 * just before the file write to the moment the child reports the end of that rebuild. From it are
 * subtracted the SQL time the child measured around its adapter, and the configured debounce (a wait by
 * design, not work). What is left is the engine's overhead: the file event, reading and parsing the file,
 * fingerprints, the plan, the scheduler, the report.
 *
 * Postgres: the server named by STRATA_BENCH_PG_URL or STRATA_TEST_PG_URL, else a throwaway one started
 * with .ci/postgres-server.sh; skipped (with the reason) when neither works.
 *
 * Prints a markdown table; `--write` also replaces the section between `<!-- bench:watch:start -->` and
 * `<!-- bench:watch:end -->` in BENCHMARKS.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openAdapter } from '../compiler/adapters/open-adapter.js';
import type { TargetConfig } from '../compiler/project/target.js';
import { writeSyntheticProject, type SyntheticModel } from './synthetic-project.js';
import { cpuModel, findRepositoryRoot, median, writeMarkedSection } from './bench-report.js';

const START_MARK = '<!-- bench:watch:start -->';
const END_MARK = '<!-- bench:watch:end -->';
const TARGET_MS: Record<number, number> = { 1000: 100, 10000: 300 };

type Engine = 'pglite' | 'postgres';

interface Row {
  models: number;
  engine: Engine;
  firstBuildSeconds?: number;
  /** Per edit: wall ms (write → end reported), sql ms, overhead ms. */
  edits: { wall: number; sql: number; overhead: number }[];
  failure?: string;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      engines: { type: 'string', default: 'pglite,postgres' },
      edits: { type: 'string', default: '5' },
      debounce: { type: 'string', default: '20' },
      'full-first-build': { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  const root = findRepositoryRoot();
  const sizes = values.sizes.split(',').map(Number);
  const engines = values.engines.split(',') as Engine[];
  const edits = Number(values.edits);
  const debounce = Number(values.debounce);

  let postgres: { url: string; stop(): void } | { reason: string } | undefined;
  const rows: Row[] = [];
  try {
    for (const models of sizes) {
      for (const engine of engines) {
        const row: Row = { models, engine, edits: [] };
        rows.push(row);
        let target: TargetConfig;
        const dir = join(root, 'bench', '.out', `watch-${models}`);
        if (engine === 'postgres') {
          postgres ??= startPostgres(root);
          if ('reason' in postgres) {
            row.failure = postgres.reason;
            log(`postgres skipped: ${postgres.reason}`);
            continue;
          }
          target = { name: 'bench_pg', type: 'postgres', schema: `bench_watch_${models}`, threads: 4, url: postgres.url };
        } else {
          target = { name: 'bench_pglite', type: 'pglite', schema: 'bench', threads: 1, path: join(dir, '.strata', 'bench') };
        }
        try {
          await measure(row, dir, target, edits, debounce, values['full-first-build']);
        } catch (error) {
          row.failure = (error as Error).message.split('\n')[0];
          log(`${models} models on ${engine}: ${row.failure}`);
        }
      }
    }
  } finally {
    if (postgres && 'stop' in postgres) postgres.stop();
  }

  const section = renderSection(rows, debounce, edits, values['full-first-build']);
  process.stdout.write(`${section}\n`);
  if (values.write) {
    writeMarkedSection(join(root, 'BENCHMARKS.md'), START_MARK, END_MARK, section, "## `strata watch`: one edit rebuilt");
    log('updated BENCHMARKS.md');
  }
  return rows.some((r) => r.failure && r.engine === 'pglite') ? 1 : 0;
}

async function measure(row: Row, dir: string, target: TargetConfig, edits: number, debounce: number, fullFirstBuild: boolean): Promise<void> {
  const project = writeSyntheticProject(dir, { models: row.models });
  rmSync(join(dir, 'target'), { recursive: true, force: true });
  addTarget(join(dir, 'project.yml'), target);
  await createSourceTable(target);
  const edited = middleModel(project.models);
  log(`${row.models} models on ${row.engine}: first build, then ${edits} edits of ${edited.path}`);

  const child = spawn(
    process.execPath,
    [
      join(findRepositoryRoot(), 'bin/strata.js'),
      'watch',
      '--project-dir',
      dir,
      '--target',
      target.name,
      ...(fullFirstBuild ? [] : ['--select', `+${edited.name}`]),
      '--changed-only',
      '--debounce',
      String(debounce),
      '--log-format',
      'json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waiting: { resolve(event: CycleFinished): void; reject(error: Error): void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: { type?: string } | undefined;
    try {
      event = JSON.parse(line) as { type?: string };
    } catch {
      return;
    }
    if (event.type === 'cycle-finished') waiting.shift()?.resolve(event as CycleFinished);
    if (event.type === 'cycle-problems') waiting.shift()?.reject(new Error(`problems: ${line}`));
  });
  child.on('close', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`strata watch exited with ${code}: ${stderr.trim().slice(-500)}`));
  });
  const nextCycle = (timeoutMs: number) =>
    new Promise<CycleFinished>((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no rebuild reported within ${timeoutMs / 1000}s`)), timeoutMs);
      waiting.push({
        resolve: (event) => {
          clearTimeout(timer);
          resolvePromise(event);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });

  try {
    const started = performance.now();
    const first = await nextCycle(1800_000);
    row.firstBuildSeconds = (performance.now() - started) / 1000;
    const failed = first.results.filter((r) => r.status === 'error');
    if (failed.length > 0) throw new Error(`first build: ${failed.length} errors, e.g. ${failed[0]!.message}`);
    log(`  first build: ${first.results.length} nodes in ${row.firstBuildSeconds.toFixed(1)}s`);
    const file = join(dir, edited.path);
    for (let i = 0; i < edits + 1; i++) {
      // Long enough for the loop to be idle and to have written target/ (it waits 400 ms for that).
      await sleep(1500);
      const cycle = nextCycle(60_000);
      const before = performance.now();
      writeFileSync(file, `${edited.sql}-- edit ${i} at ${Date.now()}\n`);
      const event = await cycle;
      const wall = performance.now() - before;
      if (!event.results.some((r) => r.id.endsWith(`.${edited.name}`) && r.status === 'success')) {
        throw new Error(`edit ${i}: the edited model was not rebuilt: ${JSON.stringify(event.results.map((r) => [r.id, r.status]))}`);
      }
      const sql = event.sql * 1000;
      // The first edit warms the child's code paths (JIT); it is not counted.
      if (i > 0) row.edits.push({ wall, sql, overhead: wall - sql - debounce });
      const phases = event.phasesMs ? ` phases ${Object.entries(event.phasesMs).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} ms;` : '';
      log(`  edit ${i}: ${wall.toFixed(0)} ms (sql ${sql.toFixed(0)} ms;${phases} first file event to end ${event.sinceFirstEventMs?.toFixed(0)} ms)${i === 0 ? ' warm-up' : ''}`);
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((resolvePromise) => (child.exitCode !== null ? resolvePromise(undefined) : child.on('close', resolvePromise)));
  }
}

interface CycleFinished {
  type: 'cycle-finished';
  results: { id: string; status: string; message: string }[];
  sql: number;
  elapsed: number;
  sinceFirstEventMs?: number;
  phasesMs?: Record<string, number>;
}

/** The synthetic project reads `source('raw', 'events')`: a small table in schema `raw`. */
async function createSourceTable(target: TargetConfig): Promise<void> {
  const adapter = await openAdapter(target);
  try {
    await adapter.withConnection((connection) =>
      connection.exec(
        `create schema if not exists raw;
         create table if not exists raw.events as select g as id, (array['a','b','c','d'])[1 + g % 4] as category, (g * 7 % 1000)::numeric as amount
         from generate_series(1, 50) g;`,
      ),
    );
  } finally {
    await adapter.close();
  }
}

/** A model halfway down the DAG: the middle layer's first model. */
function middleModel(models: SyntheticModel[]): SyntheticModel {
  const layers = models[models.length - 1]!.layer + 1;
  return models.find((m) => m.layer === Math.floor(layers / 2))!;
}

/** Adds `target` to the `targets:` map of the generated project.yml. */
function addTarget(projectYml: string, target: TargetConfig): void {
  const entry =
    target.type === 'pglite'
      ? { type: 'pglite', path: target.path, schema: target.schema }
      : { type: 'postgres', url: target.url, schema: target.schema, threads: target.threads };
  const text = readFileSync(projectYml, 'utf8');
  if (!text.includes('\ntargets:\n')) throw new Error('the generated project.yml has no targets: map');
  writeFileSync(projectYml, text.replace('\ntargets:\n', `\ntargets:\n  ${target.name}: ${JSON.stringify(entry)}\n`));
}

function startPostgres(root: string): { url: string; stop(): void } | { reason: string } {
  const given = (process.env.STRATA_BENCH_PG_URL ?? process.env.STRATA_TEST_PG_URL)?.trim();
  if (given) return { url: given, stop: () => undefined };
  const script = join(root, '.ci', 'postgres-server.sh');
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-postgres-'));
  try {
    const out = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = out.trim().split('\n').pop() ?? '';
    if (!url.startsWith('postgres://')) return { reason: `unexpected output from .ci/postgres-server.sh: ${out}` };
    return { url, stop: () => void execFileSync('bash', [script, 'stop', dir], { stdio: 'ignore' }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `no PostgreSQL server: ${((error as { stderr?: string }).stderr ?? (error as Error).message).trim().split('\n')[0]}` };
  }
}

function renderSection(rows: Row[], debounce: number, edits: number, fullFirstBuild: boolean): string {
  const lines = [
    START_MARK,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpuModel()} (${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB), Node ${process.version}; debounce ${debounce} ms; median of ${edits} edits (after one warm-up edit, 1.5 s apart); first build: ${fullFirstBuild ? 'every model' : 'the edited model and its ancestors'}.`,
    '',
    '| models | engine | first build | write → rebuilt (median) | SQL (median) | engine overhead (median / max) | target |',
    '| ---: | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of rows) {
    if (row.failure || row.edits.length === 0) {
      lines.push(`| ${row.models.toLocaleString('en-US')} | ${row.engine} | ${row.firstBuildSeconds ? `${row.firstBuildSeconds.toFixed(1)} s` : '-'} | - | - | - | not measured: ${row.failure ?? 'no edits'} |`);
      continue;
    }
    const wall = median(row.edits.map((e) => e.wall));
    const sql = median(row.edits.map((e) => e.sql));
    const overhead = median(row.edits.map((e) => e.overhead));
    const worst = Math.max(...row.edits.map((e) => e.overhead));
    const target = TARGET_MS[row.models];
    const verdict = target === undefined ? '' : `< ${target} ms: ${overhead < target ? 'met' : 'MISSED'}`;
    lines.push(
      `| ${row.models.toLocaleString('en-US')} | ${row.engine} | ${row.firstBuildSeconds!.toFixed(1)} s | ${wall.toFixed(0)} ms | ${sql.toFixed(0)} ms | ${overhead.toFixed(0)} ms / ${worst.toFixed(0)} ms | ${verdict} |`,
    );
  }
  lines.push(END_MARK);
  return lines.join('\n');
}





const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));
const log = (message: string) => process.stderr.write(`[bench:watch] ${message}\n`);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
