/**
 * Pagila at scale on Postgres, each step a whole `strata` process timed beside the same work done by
 * `psql` (the physical limit), and optionally beside another Strata checkout (`--baseline DIR`, its
 * `dist/` built) run interleaved with this one, so the load of a shared machine falls on both alike:
 *
 *   npm run bench:scale -- [--scale 100] [--runs 3] [--inner-runs 9] [--baseline DIR] [--project DIR] [--write]
 *
 * - seed: `strata seed` against one psql session that truncates each seed table and `\copy`s its CSV;
 *   wall time and peak RSS (GNU time's %M);
 * - tests: `strata test --threads 1` on the built project (data tests only; unit tests are literal rows);
 * - build: `strata build --exclude resource_type:seed --threads 1`;
 * - for tests and build, psql replaying in one session the statements the first strata run sent, in the
 *   same order, read back from the server's log (bench/statement-log.ts; a throwaway server only);
 * - fixed cost at scale: `strata build --select brz_language` (a 6-row view and its tests), where the
 *   project holds every CSV of the scale;
 * - inner loop (scale 1): `strata build --select gold_customer_metrics` against psql creating a table
 *   from the model's compiled SQL (rolled back), and `node -e 0` (the floor of any Node process).
 *
 * Postgres: STRATA_BENCH_PG_URL, else a throwaway server from .ci/postgres-server.sh. Data: generated
 * with bench/generate-pagila.ts under bench/.out/ when missing. `--project DIR`: the Pagila project of
 * another checkout (an older Strata cannot parse today's: `--project DIR --baseline DIR` runs both
 * versions on the older project).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cpuModel, findRepositoryRoot, median, writeMarkedSection } from './bench-report.js';
import { type BenchProject, prepareProject, serverVersion, startPostgres, strataBin } from './pagila-database.js';
import { captureStatements, replayScript } from './statement-log.js';

interface Sample {
  seconds: number;
  rssMiB?: number;
}

interface Row {
  work: string;
  strata: Sample[];
  baseline?: Sample[];
  psql?: Sample[];
}

const root = findRepositoryRoot();

function main(): void {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '100' },
      runs: { type: 'string', default: '3' },
      'inner-runs': { type: 'string', default: '9' },
      baseline: { type: 'string' },
      project: { type: 'string' },
      write: { type: 'boolean', default: false },
    },
  });
  const scale = Number(values.scale);
  const runs = Number(values.runs);
  const innerRuns = Number(values['inner-runs']);
  const baseline = values.baseline ? join(values.baseline, 'bin', 'strata.js') : undefined;
  const source = values.project ?? root;
  const server = startPostgres();
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loads = [load()];
  try {
    const rows: Row[] = [];
    const big = prepareProject(server.url, scale, log, source);
    log(`scale ${scale}: project in ${big.dir}`);
    rows.push(measureSeed(big, scale, runs, baseline));
    loads.push(load());
    run(strataBin(), ['build', '--exclude', 'resource_type:seed', '--threads', '1'], big);
    if (!server.logFile) log('STRATA_BENCH_PG_URL: the server log is not ours to read, no psql replay of tests and build');
    rows.push(compare(`data tests, scale ${scale} (\`test --threads 1\`)`, ['test', '--threads', '1'], big, runs, baseline, server.logFile));
    rows.push(compare(`build without seeds, scale ${scale}, threads 1`, ['build', '--exclude', 'resource_type:seed', '--threads', '1'], big, runs, baseline, server.logFile));
    // A 6-row model: the time is the command's own, with every seed CSV of this scale in the project.
    rows.push(compare(`fixed cost, scale ${scale}: \`build --select brz_language\``, ['build', '--select', 'brz_language'], big, innerRuns, baseline));
    loads.push(load());
    const small = prepareProject(server.url, 1, log, source);
    run(strataBin(), ['build'], small);
    const inner = compare('inner loop, scale 1: `build --select gold_customer_metrics`', ['build', '--select', 'gold_customer_metrics'], small, innerRuns, baseline);
    inner.psql = replayRun(small, 'gold_customer_metrics', innerRuns);
    log(`psql, the model's query as a table: ${inner.psql.map((s) => s.seconds.toFixed(2)).join(', ')} s`);
    rows.push(inner);
    rows.push(embeddedInnerLoop(small, innerRuns, inner));
    rows.push({ work: '`node -e 0` (any Node process)', strata: times(innerRuns, () => timed(process.execPath, ['-e', '0'], small)) });
    loads.push(load());
    const section = render(rows, scale, runs, innerRuns, baseline !== undefined, loads, server.url, values.project !== undefined);
    process.stdout.write(`${section}\n`);
    if (values.write) writeMarkedSection(join(root, 'BENCHMARKS.md'), '<!-- bench:scale:start -->', '<!-- bench:scale:end -->', section, '## Pagila at scale: seeds, tests and the inner loop against psql');
  } finally {
    server.stop();
  }
}

function measureSeed(project: BenchProject, scale: number, runs: number, baseline: string | undefined): Row {
  const row = compare(`\`seed\`, scale ${scale} (${mebibytes(folderBytes(join(project.dir, 'seeds')))} of CSV)`, ['seed'], project, runs, baseline);
  // The same tables filled by psql: truncate and \copy each seed's CSV, in one session.
  const manifest = JSON.parse(readFileSync(join(project.dir, 'target', 'manifest.json'), 'utf8')) as { nodes: Record<string, { resource_type: string; schema: string; alias: string; original_file_path: string }> };
  const script = Object.values(manifest.nodes)
    .filter((n) => n.resource_type === 'seed')
    .map((n) => `truncate "${n.schema}"."${n.alias}";\n\\copy "${n.schema}"."${n.alias}" from '${join(project.dir, n.original_file_path)}' with (format csv, header true)`)
    .join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'strata-bench-')), 'copy.sql');
  writeFileSync(file, `${script}\n`);
  row.psql = times(runs, () => timed('psql', [project.url, '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], project));
  log(`psql \\copy of the same CSVs: ${row.psql.map((s) => s.seconds.toFixed(2)).join(', ')} s`);
  return row;
}

/**
 * `runs` runs of a strata command, alternating with the baseline checkout's when there is one. With the
 * server's log (`logFile`), the first run's statements are captured and psql replays them in each round
 * too, so the three share the load of the moment. Every other round runs them in the reverse order
 * (psql, baseline, strata): what one leaves behind for the next (a warm cache, autovacuum at work on the
 * tables just built) falls on each alike.
 */
function compare(work: string, args: string[], project: BenchProject, runs: number, baseline: string | undefined, logFile?: string): Row {
  const row: Row = { work, strata: [], baseline: baseline ? [] : undefined, psql: logFile ? [] : undefined };
  let script: string | undefined;
  const strata = () => {
    const run = () => timed(process.execPath, [strataBin(), ...args, '--target', 'postgres', '--project-dir', project.dir], project);
    if (!logFile || script) return row.strata.push(run());
    let sample: Sample | undefined;
    const statements = captureStatements(logFile, project.url, () => void (sample = run()));
    row.strata.push(sample!);
    script = join(mkdtempSync(join(tmpdir(), 'strata-bench-')), 'replay.sql');
    writeFileSync(script, replayScript(statements));
    log(`${work}: ${statements.length} statements captured for psql (${script})`);
  };
  const other = () => void (baseline && row.baseline!.push(timed(process.execPath, [baseline, ...args, '--target', 'postgres', '--project-dir', project.dir], project)));
  const psql = () => void (script && row.psql!.push(timed('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-f', script, project.url], project)));
  for (let i = 0; i < runs; i++) {
    for (const step of i % 2 === 0 || !script ? [strata, other, psql] : [psql, other, strata]) step();
    const replayed = row.psql?.at(-1);
    log(`${work}: ${row.strata.at(-1)!.seconds.toFixed(2)} s${baseline ? ` (baseline ${row.baseline!.at(-1)!.seconds.toFixed(2)} s)` : ''}${replayed ? ` (psql ${replayed.seconds.toFixed(2)} s)` : ''}`);
  }
  return row;
}

/**
 * The inner loop on the embedded engine (the project's default target, a PGlite data directory in the
 * project), after one whole build there; its runs alternate with more runs of the same command on
 * Postgres, and the row names the ratio of the two medians.
 */
function embeddedInnerLoop(project: BenchProject, runs: number, postgres: Row): Row {
  const embedded = (args: string[]) => timed(process.execPath, [strataBin(), ...args, '--project-dir', project.dir], project);
  embedded(['build']);
  const samples: Sample[] = [];
  const beside: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(embedded(['build', '--select', 'gold_customer_metrics']));
    beside.push(timed(process.execPath, [strataBin(), 'build', '--select', 'gold_customer_metrics', '--target', 'postgres', '--project-dir', project.dir], project));
    log(`inner loop, embedded: ${samples.at(-1)!.seconds.toFixed(2)} s (Postgres ${beside.at(-1)!.seconds.toFixed(2)} s)`);
  }
  const ratio = median(samples.map((s) => s.seconds)) / median(beside.map((s) => s.seconds));
  return { work: `inner loop, scale 1, embedded engine (default target): ${ratio.toFixed(2)}× the Postgres runs beside it`, strata: samples };
}

/** psql creating the model's query result as a table (its compiled SQL from target/compiled/): the model's own work. */
function replayRun(project: BenchProject, model: string, runs: number): Sample[] {
  const found = findFile(join(project.dir, 'target', 'compiled'), `${model}.sql`);
  if (!found) return [];
  const file = join(mkdtempSync(join(tmpdir(), 'strata-bench-')), 'model.sql');
  writeFileSync(file, `begin;\ncreate table strata_bench_replay as\n${readFileSync(found, 'utf8').trim().replace(/;$/, '')};\nrollback;\n`);
  return times(runs, () => timed('psql', [project.url, '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], project));
}

function timed(command: string, args: string[], project: BenchProject): Sample {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  const rssFile = join(scratch, 'rss');
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rssFile, '--', command, ...args], { cwd: project.dir, env: project.env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  const kib = Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '', 10);
  rmSync(scratch, { recursive: true, force: true });
  return { seconds, rssMiB: Number.isFinite(kib) ? kib / 1024 : undefined };
}

function run(bin: string, args: string[], project: BenchProject): void {
  timed(process.execPath, [bin, ...args, '--target', 'postgres', '--project-dir', project.dir], project);
}

function times(runs: number, fn: () => Sample): Sample[] {
  return Array.from({ length: runs }, fn);
}

function render(rows: Row[], scale: number, runs: number, innerRuns: number, withBaseline: boolean, loads: string[], url: string, otherProject: boolean): string {
  const seconds = (samples?: Sample[]) => (samples?.length ? `${median(samples.map((s) => s.seconds)).toFixed(2)} s` : '');
  const peak = (samples?: Sample[]) => {
    const rss = (samples ?? []).map((s) => s.rssMiB).filter((r): r is number => r !== undefined);
    return rss.length ? `${Math.round(Math.max(...rss))} MiB` : '';
  };
  const ratio = (a?: Sample[], b?: Sample[]) => (a?.length && b?.length ? `${(median(a.map((s) => s.seconds)) / median(b.map((s) => s.seconds))).toFixed(2)}×` : '');
  const lines = [
    '<!-- bench:scale:start -->',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpuModel()} (${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, PostgreSQL ${serverVersion(url)}; Pagila scale ${scale}; medians of ${runs} runs (inner loop: ${innerRuns}), whole processes; load average (1/5/15 min) during the runs: ${loads.join(' → ')}.`,
    `Command: \`npm run bench:scale -- --scale ${scale} --runs ${runs} --inner-runs ${innerRuns}${withBaseline ? ' --baseline DIR' : ''}${otherProject ? ' --project DIR' : ''}\`.`,
    '',
    `| work | strata | peak RSS |${withBaseline ? ' baseline | its peak RSS | strata / baseline |' : ''} psql | strata / psql |`,
    `| --- | ---: | ---: |${withBaseline ? ' ---: | ---: | ---: |' : ''} ---: | ---: |`,
    ...rows.map((r) => `| ${r.work} | ${seconds(r.strata)} | ${peak(r.strata)} |${withBaseline ? ` ${seconds(r.baseline)} | ${peak(r.baseline)} | ${ratio(r.strata, r.baseline)} |` : ''} ${seconds(r.psql)} | ${ratio(r.strata, r.psql)} |`),
    '<!-- bench:scale:end -->',
  ];
  return lines.join('\n');
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isFile() ? statSync(join(dir, e.name)).size : 0), 0);
}

function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (entry.name === name) return path;
  }
  return undefined;
}

function mebibytes(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

function log(message: string): void {
  process.stderr.write(`[bench:scale] ${message}\n`);
}

main();
