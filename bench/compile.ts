/**
 * `npm run bench:compile`: times `strata compile` as a whole process on synthetic projects.
 *
 *   node dist/bench/compile.js [--sizes 1000,10000] [--runs 5] [--version-runs 10] [--write]
 *     [--cmd 'node bin/strata.js compile --project-dir {dir}'] [--version-cmd 'node bin/strata.js --version']
 *     [--cache-dir target] [--rss auto|gnu-time|proc-poll]
 *
 * For each size: generate the project into bench/.out/compile-<size>/, then run the command `--runs`
 * times in each of four states: cold (the project's `--cache-dir`, target/, removed before each run);
 * warm (after one untimed run, nothing changed: `strata compile` reuses target/); one model edited
 * before each run (the parse and compile passes run, target/ is there); and warm with
 * `--no-partial-parse` (the whole work on a warm file cache, as every compile did before target/ was
 * reused). Wall time is measured around the
 * child process; peak RSS is GNU time's `%M` when /usr/bin/time exists, else the last VmHWM polled from
 * /proc/<pid>/status. `{dir}` in a command is replaced by the project directory; commands are split on
 * spaces, with '…' and "…" quoting, and run without a shell.
 *
 * Prints a markdown table; `--write` also replaces the section between `<!-- bench:compile:start -->`
 * and `<!-- bench:compile:end -->` in BENCHMARKS.md (created if missing).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { writeSyntheticProject } from './synthetic-project.js';
import { cpuModel, findRepositoryRoot, median, writeMarkedSection } from './bench-report.js';

/** 10,000 models: under half a second warm, one second cold. */
const TARGET_SECONDS: Partial<Record<CacheState, number>> = { warm: 0.5, cold: 1.0 };
const TARGET_RSS_BYTES = 1024 ** 3;
const TARGET_VERSION_SECONDS = 0.3;
const START_MARK = '<!-- bench:compile:start -->';
const END_MARK = '<!-- bench:compile:end -->';

type CacheState = 'cold' | 'warm' | 'one model edited' | 'warm, --no-partial-parse';

interface Sample {
  seconds: number;
  /** Peak resident set size, or undefined when it could not be read. */
  rssBytes?: number;
}

/** One row of the table: a command run `runs` times, or the reason it could not be. */
interface Measurement {
  label: string;
  models?: number;
  cache?: CacheState;
  samples: Sample[];
  failure?: string;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      runs: { type: 'string', default: '5' },
      'version-runs': { type: 'string', default: '10' },
      cmd: { type: 'string', default: 'node bin/strata.js compile --project-dir {dir}' },
      'version-cmd': { type: 'string', default: 'node bin/strata.js --version' },
      'cache-dir': { type: 'string', default: 'target' },
      rss: { type: 'string', default: 'auto' },
      write: { type: 'boolean', default: false },
    },
  });
  const root = findRepositoryRoot();
  const sizes = values.sizes.split(',').map((size) => positiveInteger(size, '--sizes'));
  const runs = positiveInteger(values.runs, '--runs');
  const versionRuns = positiveInteger(values['version-runs'], '--version-runs');
  if (!['auto', 'gnu-time', 'proc-poll'].includes(values.rss)) throw new Error('--rss is auto, gnu-time or proc-poll');
  const timer =
    values.rss === 'proc-poll' || (values.rss === 'auto' && !gnuTimeWorks()) ? 'proc-poll' : 'gnu-time';

  const measurements: Measurement[] = [];
  for (const models of sizes) {
    const dir = join(root, 'bench', '.out', `compile-${models}`);
    const started = performance.now();
    writeSyntheticProject(dir, { models });
    log(`generated ${models} models into ${relative(root, dir)} in ${seconds(performance.now() - started)}`);
    const argv = splitCommand(values.cmd.replaceAll('{dir}', dir));
    const cache = join(dir, values['cache-dir']);

    const cold: Measurement = { label: 'compile', models, cache: 'cold', samples: [] };
    measurements.push(cold);
    await measure(cold, argv, root, runs, timer, () => rmSync(cache, { recursive: true, force: true }));

    const warm: Measurement = { label: 'compile', models, cache: 'warm', samples: [] };
    measurements.push(warm);
    if (cold.failure) warm.failure = 'skipped: the cold runs failed';
    else await measure(warm, argv, root, runs, timer, undefined, 1);

    const edited: Measurement = { label: 'compile', models, cache: 'one model edited', samples: [] };
    measurements.push(edited);
    const model = firstModel(join(dir, 'models'));
    if (!model) throw new Error(`no model file under ${join(dir, 'models')}`);
    const text = readFileSync(model, 'utf8');
    let edits = 0;
    if (cold.failure) edited.failure = 'skipped: the cold runs failed';
    else await measure(edited, argv, root, runs, timer, () => writeFileSync(model, `${text}-- edit ${++edits}\n`), 1);
    writeFileSync(model, text);

    if (argv.includes('compile')) {
      const full: Measurement = { label: 'compile', models, cache: 'warm, --no-partial-parse', samples: [] };
      measurements.push(full);
      if (cold.failure) full.failure = 'skipped: the cold runs failed';
      else await measure(full, [...argv, '--no-partial-parse'], root, runs, timer, undefined, 1);
    }
  }
  const version: Measurement = { label: '--version', samples: [] };
  measurements.push(version);
  await measure(version, splitCommand(values['version-cmd']), root, versionRuns, timer);

  const section = renderSection(measurements, { cmd: values.cmd, versionCmd: values['version-cmd'], runs, versionRuns, timer });
  process.stdout.write(`\n${section}\n`);
  if (values.write) {
    writeMarkedSection(join(root, 'BENCHMARKS.md'), START_MARK, END_MARK, section, "## `strata compile` (`npm run bench:compile -- --write`)");
    log('updated BENCHMARKS.md');
  }
  return measurements.some((m) => m.failure) ? 1 : 0;
}

/** Runs `argv` `runs` times (after `warmups` untimed runs), calling `prepare` before each timed run. */
async function measure(
  into: Measurement,
  argv: string[],
  cwd: string,
  runs: number,
  timer: 'gnu-time' | 'proc-poll',
  prepare?: () => void,
  warmups = 0,
): Promise<void> {
  const name = `${into.label}${into.models ? ` ${into.models} ${into.cache}` : ''}`;
  for (let i = 0; i < warmups + runs; i++) {
    prepare?.();
    const result = await runTimed(argv, cwd, timer);
    if (result.exitCode !== 0) {
      into.failure = `exit ${result.exitCode}: ${errorLine(result.stderr) || errorLine(result.stdout) || 'no output'}`;
      log(`${name}: ${into.failure}`);
      return;
    }
    if (i >= warmups) {
      into.samples.push(result.sample);
      log(`${name} run ${i - warmups + 1}/${runs}: ${result.sample.seconds.toFixed(3)} s, ${mebibytes(result.sample.rssBytes)}`);
    }
  }
}

interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  sample: Sample;
}

/**
 * Times one child process. With GNU time the child is `/usr/bin/time -f %M -o <file> -- argv…`: the
 * few hundred microseconds GNU time adds are inside the wall time, and `%M` is the child's peak RSS in
 * KiB. Without it, VmHWM (the peak RSS so far) is polled every 10 ms until exit; a peak reached in the
 * last 10 ms is missed.
 */
async function runTimed(argv: string[], cwd: string, timer: 'gnu-time' | 'proc-poll'): Promise<RunResult> {
  const scratch = timer === 'gnu-time' ? mkdtempSync(join(tmpdir(), 'strata-bench-')) : undefined;
  const rssFile = scratch ? join(scratch, 'rss') : undefined;
  const command = rssFile ? ['/usr/bin/time', '-f', '%M', '-o', rssFile, '--', ...argv] : argv;
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let polledRss: number | undefined;
  const poll = rssFile
    ? undefined
    : setInterval(() => {
        polledRss = readVmHwm(child.pid) ?? polledRss;
      }, 10);
  const exitCode = await new Promise<number>((resolveExit) => {
    child.on('error', (error) => {
      stderr += error.message;
      resolveExit(127);
    });
    child.on('close', (code, signal) => resolveExit(code ?? (signal ? 128 : 1)));
  });
  const elapsed = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  let rssBytes = polledRss;
  if (rssFile && scratch) {
    const kib = Number.parseInt(readFileSync(rssFile, 'utf8').trim().split('\n').pop() ?? '', 10);
    rssBytes = Number.isFinite(kib) ? kib * 1024 : undefined;
    rmSync(scratch, { recursive: true, force: true });
  }
  return { exitCode, stdout, stderr, sample: { seconds: elapsed, rssBytes } };
}

/** The first model file under `dir`, by path. */
function firstModel(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    const found = entry.isDirectory() ? firstModel(path) : entry.isFile() && entry.name.endsWith('.sql') ? path : undefined;
    if (found) return found;
  }
  return undefined;
}

function readVmHwm(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function gnuTimeWorks(): boolean {
  if (!existsSync('/usr/bin/time')) return false;
  const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  try {
    const output = join(scratch, 'rss');
    const probe = spawnSync('/usr/bin/time', ['-f', '%M', '-o', output, '--', process.execPath, '-e', '0'], { stdio: 'ignore' });
    return probe.status === 0 && /^\d+$/m.test(readFileSync(output, 'utf8'));
  } catch {
    return false;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function renderSection(
  measurements: Measurement[],
  how: { cmd: string; versionCmd: string; runs: number; versionRuns: number; timer: string },
): string {
  const rows = measurements.map((m) => {
    const what = m.models ? `\`compile\`, ${m.models.toLocaleString('en-US')} models, ${m.cache}` : '`--version`';
    if (m.failure) return `| ${what} | ${m.samples.length} | ${escapeCell(m.failure)} | | | | |`;
    const times = m.samples.map((s) => s.seconds);
    const rss = m.samples.map((s) => s.rssBytes).filter((r): r is number => r !== undefined);
    const peak = rss.length ? Math.max(...rss) : undefined;
    return `| ${what} | ${times.length} | ${fixed(median(times))} s | ${fixed(Math.min(...times))} s | ${fixed(Math.max(...times))} s | ${mebibytes(peak)} | ${verdict(m, median(times), peak)} |`;
  });
  const cpu = cpuModel();
  return [
    START_MARK,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu}, ${cpus().length} cores, Node ${process.version}.`,
    `Command: \`${how.cmd}\` (cold: target/ removed before each run; warm: after one untimed run, nothing changed, target/ reused; one model edited: a line added to one model before each run; \`--no-partial-parse\`: the whole work on a warm file cache); \`${how.versionCmd}\`.`,
    `Peak RSS from ${how.timer === 'gnu-time' ? 'GNU time (`%M`)' : 'polling VmHWM in /proc/<pid>/status'}.`,
    `Targets: 10,000 models under ${TARGET_SECONDS.warm} s warm and ${TARGET_SECONDS.cold} s cold, and ${TARGET_RSS_BYTES / 1024 ** 3} GiB; \`--version\` under ${TARGET_VERSION_SECONDS} s.`,
    '',
    '| run | runs | median | min | max | peak RSS | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    END_MARK,
  ].join('\n');
}

/** ✓/✗ against the issue's targets, for the rows that have one. */
function verdict(m: Measurement, medianSeconds: number, peak: number | undefined): string {
  if (!m.models) return medianSeconds < TARGET_VERSION_SECONDS ? '✓' : '✗';
  const target = m.cache ? TARGET_SECONDS[m.cache] : undefined;
  if (m.models !== 10_000 || target === undefined) return '';
  const fast = medianSeconds < target;
  const small = peak === undefined || peak < TARGET_RSS_BYTES;
  return fast && small ? '✓' : '✗';
}


/**
 * Splits a command line into argv: spaces separate, '…' and "…" quote; no other shell syntax.
 *
 * @example splitCommand(`node -e "console.log('hi there')"`) // ['node', '-e', "console.log('hi there')"]
 */
export function splitCommand(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in command: ${line}`);
  if (started) args.push(current);
  if (args.length === 0) throw new Error('empty command');
  return args;
}




function positiveInteger(text: string, flag: string): number {
  const value = Number(text.trim());
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} expects positive integers, got '${text}'`);
  return value;
}

const fixed = (value: number): string => value.toFixed(3);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mebibytes = (bytes: number | undefined): string =>
  bytes === undefined ? 'n/a' : `${Math.round(bytes / 1024 ** 2)} MiB`;
/** The first line naming an error (Node's stack traces end with its version, not the cause), else the last. */
function errorLine(text: string): string {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.find((line) => /error/i.test(line)) ?? lines[lines.length - 1] ?? '';
}
const escapeCell = (text: string): string => text.replaceAll('|', '\\|').slice(0, 200);
const log = (message: string): void => void process.stderr.write(`${message}\n`);

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
