/**
 * The questions analysts ask of the Pagila gold layer, timed on PostgreSQL at scale, with the plan each
 * one gets from the indexes the models declare (`config(indexes=[...])`):
 *
 *   npm run bench:questions -- [--scale 10,100] [--runs 20] [--history-builds 2] [--write]
 *
 * For each scale: a fresh database; `strata seed`; `--history-builds` builds of the gold layer and what it
 * needs (`strata build --select +tag:gold --exclude resource_type:seed`, a whole process each) as of the
 * month ends before the latest activity, then one as of the default date (the latest activity), so the
 * history snapshot holds real versions; then each question `--runs` times through `pg` on one
 * connection (after one untimed run), a random existing customer or a real cohort month per run, and
 * `EXPLAIN (ANALYZE)` once per question: which scans the plan does, against the index meant for it.
 * Target: every question under 50 ms at scale 100.
 *
 * Postgres: STRATA_BENCH_PG_URL, else a throwaway server from .ci/postgres-server.sh.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { indexName } from '../compiler/run/scratch-names.js';
import { cpuModel, findRepositoryRoot, median, writeMarkedSection } from './bench-report.js';
import { type BenchProject, prepareProject, serverVersion, startPostgres, strataBin } from './pagila-database.js';

const TARGET_MS = 50;

/** A parameter drawn for one run: a customer that exists, a cohort month that exists. */
type Parameter = 'customer' | 'cohort' | 'none';

interface Question {
  question: string;
  /** `{model}` is replaced by the model's relation, from the manifest. */
  sql: string;
  parameter: Parameter;
  /**
   * The declared index the question is meant to use: the model's `indexes` entry (its name is derived
   * as materialize names it), or `name` for one a hook makes (snapshots take no `indexes` config).
   */
  meant: { node: string; columns: string[]; unique: boolean; name?: string };
}

const QUESTIONS: Question[] = [
  {
    question: 'which customers are Platinum and at risk?',
    sql: `select customer_id, churn_risk_score, churn_risk_band, main_risk_driver, churn_status, total_revenue, customer_lifetime_value
from {gold_customer_churn_risk}
where customer_tier = 'Platinum' and churn_risk_band in ('High', 'Very high')
order by churn_probability desc`,
    parameter: 'none',
    meant: { node: 'model.pagila.gold_customer_churn_risk', columns: ['customer_tier', 'churn_risk_band'], unique: false },
  },
  {
    question: "one customer's metrics",
    sql: 'select * from {gold_customer_metrics} where customer_id = $1',
    parameter: 'customer',
    meant: { node: 'model.pagila.gold_customer_metrics', columns: ['customer_id'], unique: true },
  },
  {
    question: "one customer's history",
    sql: 'select * from {gold_customer_metrics_history} where customer_id = $1 order by version_number',
    parameter: 'customer',
    meant: { node: 'snapshot.pagila.snap_customer_metrics', columns: ['customer_id'], unique: false, name: 'snap_customer_metrics_customer_id_idx' },
  },
  {
    question: "one customer's churn risk, and why",
    sql: 'select * from {gold_customer_churn_risk} where customer_id = $1',
    parameter: 'customer',
    meant: { node: 'model.pagila.gold_customer_churn_risk', columns: ['customer_id'], unique: true },
  },
  {
    question: "a cohort's row: retention and revenue by month since acquisition",
    sql: `select months_since_acquisition, cohort_customers, active_customers, retention_rate, revenue, cumulative_revenue_per_customer
from {gold_cohort_retention}
where cohort_month = $1
order by months_since_acquisition`,
    parameter: 'cohort',
    meant: { node: 'model.pagila.gold_cohort_retention', columns: ['cohort_month', 'months_since_acquisition'], unique: true },
  },
];

interface Build {
  asOf: string;
  seconds: number;
}

interface Answer {
  question: Question;
  runs: number[];
  first: number;
  rows: number;
  plan: string;
  serverMs: number;
  usesMeantIndex: boolean;
  meantIndex: string;
  tableRows: number;
  tablePages: number;
}

interface ScaleResult {
  scale: number;
  customers: number;
  seedSeconds: number;
  builds: Build[];
  answers: Answer[];
  loads: string[];
}

const root = findRepositoryRoot();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '100' },
      runs: { type: 'string', default: '20' },
      'history-builds': { type: 'string', default: '2' },
      threads: { type: 'string', default: '4' },
      write: { type: 'boolean', default: false },
    },
  });
  const scales = values.scale.split(',').map(Number);
  const runs = Number(values.runs);
  const historyBuilds = Number(values['history-builds']);
  const threads = values.threads;
  const server = startPostgres();
  try {
    const results: ScaleResult[] = [];
    for (const scale of scales) results.push(await measureScale(server.url, scale, runs, historyBuilds, threads));
    const section = render(results, runs, historyBuilds, threads, server.url, values.scale);
    process.stdout.write(`${section}\n`);
    if (values.write) {
      writeMarkedSection(
        join(root, 'BENCHMARKS.md'),
        '<!-- bench:questions:start -->',
        '<!-- bench:questions:end -->',
        section,
        '## Pagila: the questions analysts ask, on PostgreSQL with the declared indexes',
      );
    }
  } finally {
    server.stop();
  }
}

async function measureScale(serverUrl: string, scale: number, runs: number, historyBuilds: number, threads: string): Promise<ScaleResult> {
  const loads = [loadAverage()];
  const project = prepareProject(serverUrl, scale, log);
  log(`scale ${scale}: project in ${project.dir}`);
  const seedSeconds = strata(project, ['seed']);
  log(`scale ${scale}: seed ${seedSeconds.toFixed(1)} s`);
  const client = new pg.Client({ connectionString: project.url });
  await client.connect();
  try {
    // The default as_of_date is the latest rental or payment (dim_as_of_date); the history builds come before it.
    const dates = (await client.query<{ latest: string; month_end: string }>(
      `with activity as (select max(rental_date) as at from pagila_raw.rental union all select max(payment_date) from pagila_raw.payment)
       select to_char(max(at), 'YYYY-MM-DD') as latest, to_char(date_trunc('month', max(at)) - interval '1 day', 'YYYY-MM-DD') as month_end from activity`,
    )).rows[0]!;
    const latest = dates.month_end;
    // The month ends before the latest activity, oldest first: the history is built forwards.
    const asOfs: string[] = [];
    for (let k = historyBuilds - 1; k >= 0; k--) {
      const row = (await client.query<{ d: string }>(`select to_char(date_trunc('month', $1::date) - make_interval(months => $2) + interval '1 month - 1 day', 'YYYY-MM-DD') as d`, [latest, k])).rows[0]!;
      asOfs.push(row.d);
    }
    const builds: Build[] = [];
    const select = ['build', '--select', '+tag:gold', '--exclude', 'resource_type:seed', '--threads', threads];
    for (const asOf of asOfs) {
      builds.push({ asOf, seconds: strata(project, [...select, '--vars', `{as_of_date: '${asOf}'}`]) });
      log(`scale ${scale}: build as of ${asOf}: ${builds.at(-1)!.seconds.toFixed(1)} s; slowest: ${slowestNodes(project)}`);
    }
    builds.push({ asOf: `${dates.latest} (the default: the latest activity)`, seconds: strata(project, select) });
    log(`scale ${scale}: build as of ${dates.latest}: ${builds.at(-1)!.seconds.toFixed(1)} s; slowest: ${slowestNodes(project)}`);
    loads.push(loadAverage());

    const manifest = JSON.parse(readFileSync(join(project.dir, 'target', 'manifest.json'), 'utf8')) as {
      nodes: Record<string, { name: string; schema: string; alias: string }>;
    };
    const byName = new Map(Object.values(manifest.nodes).map((n) => [n.name, n]));
    const relation = (name: string) => {
      const node = byName.get(name);
      if (!node) throw new Error(`no node ${name} in the manifest`);
      return `"${node.schema}"."${node.alias}"`;
    };
    const customers = (await client.query<{ customer_id: number }>(`select customer_id from ${relation('gold_customer_metrics')}`)).rows.map((r) => r.customer_id);
    const cohorts = (await client.query<{ m: string }>(`select distinct to_char(cohort_month, 'YYYY-MM-DD') as m from ${relation('gold_cohort_retention')} order by 1`)).rows.map((r) => r.m);
    const random = mulberry32(scale * 7919 + runs);
    const draw = (parameter: Parameter): unknown[] => {
      if (parameter === 'customer') return [customers[Math.floor(random() * customers.length)]];
      if (parameter === 'cohort') return [cohorts[Math.floor(random() * cohorts.length)]];
      return [];
    };

    const answers: Answer[] = [];
    for (const question of QUESTIONS) {
      const sql = question.sql.replace(/\{(\w+)\}/g, (_, name: string) => relation(name));
      const meantNode = manifest.nodes[question.meant.node];
      if (!meantNode) throw new Error(`no node ${question.meant.node} in the manifest`);
      const meantIndex = question.meant.name ?? indexName(meantNode.alias, question.meant.columns, question.meant.unique);
      const size = (await client.query<{ n: string; pages: number }>(
        `select (select count(*) from "${meantNode.schema}"."${meantNode.alias}") as n, pg_relation_size('"${meantNode.schema}"."${meantNode.alias}"') / current_setting('block_size')::int as pages`,
      )).rows[0]!;
      const tableRows = Number(size.n);
      const tablePages = Number(size.pages);
      const first = await timedQuery(client, sql, draw(question.parameter));
      const samples: number[] = [];
      let rows = 0;
      for (let i = 0; i < runs; i++) {
        const started = process.hrtime.bigint();
        const result = await client.query(sql, draw(question.parameter));
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
        rows += result.rowCount ?? 0;
      }
      const explained = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(`explain (analyze, format json) ${sql}`, draw(question.parameter));
      const top = explained.rows[0]!['QUERY PLAN'][0];
      const scans = collectScans(top.Plan);
      const usesMeantIndex = scans.some((s) => s.index === meantIndex) && !scans.some((s) => s.kind === 'seq' && s.relation === meantNode.alias);
      const answer: Answer = {
        question,
        runs: samples,
        first: first.ms,
        rows: rows / runs,
        plan: describeScans(scans),
        serverMs: top['Execution Time'],
        usesMeantIndex,
        meantIndex,
        tableRows,
        tablePages,
      };
      answers.push(answer);
      log(`scale ${scale}: ${question.question}: median ${median(samples).toFixed(2)} ms, p95 ${p95(samples).toFixed(2)} ms; ${answer.plan}`);
    }
    loads.push(loadAverage());
    return { scale, customers: customers.length, seedSeconds, builds, answers, loads };
  } finally {
    await client.end();
  }
}

/** The five slowest nodes of the last run (target/run_results.json), for the log: where a build's time went. */
function slowestNodes(project: BenchProject): string {
  const results = JSON.parse(readFileSync(join(project.dir, 'target', 'run_results.json'), 'utf8')) as { results: { unique_id: string; execution_time: number }[] };
  return [...results.results]
    .sort((a, b) => b.execution_time - a.execution_time)
    .slice(0, 5)
    .map((r) => `${r.unique_id.split('.').pop()} ${r.execution_time.toFixed(1)} s`)
    .join(', ');
}

async function timedQuery(client: pg.Client, sql: string, params: unknown[]): Promise<{ ms: number }> {
  const started = process.hrtime.bigint();
  await client.query(sql, params);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

interface Scan {
  kind: 'index' | 'index only' | 'bitmap index' | 'seq';
  relation?: string;
  index?: string;
}

/** The scans of a plan tree, in plan order. */
function collectScans(node: PlanNode, into: Scan[] = []): Scan[] {
  const type = node['Node Type'];
  if (type === 'Seq Scan') into.push({ kind: 'seq', relation: node['Relation Name'] });
  else if (type === 'Index Scan') into.push({ kind: 'index', relation: node['Relation Name'], index: node['Index Name'] });
  else if (type === 'Index Only Scan') into.push({ kind: 'index only', relation: node['Relation Name'], index: node['Index Name'] });
  else if (type === 'Bitmap Index Scan') into.push({ kind: 'bitmap index', index: node['Index Name'] });
  for (const child of node.Plans ?? []) collectScans(child, into);
  return into;
}

function describeScans(scans: Scan[]): string {
  if (scans.length === 0) return 'no table scan';
  return [...new Set(scans.map((s) => (s.kind === 'seq' ? `seq scan on ${s.relation}` : `${s.kind} scan on ${s.index}`)))].join('; ');
}

/** Wall time of a whole `strata … --target postgres` process, in seconds; throws with its output when it fails. */
function strata(project: BenchProject, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [strataBin(), ...args, '--target', 'postgres', '--project-dir', project.dir], {
    cwd: project.dir,
    env: project.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`strata ${args.join(' ')} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return seconds;
}

/** The 95th percentile by nearest rank: of 20 runs, the 19th fastest. */
function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.95 * sorted.length) - 1)]!;
}

/** A small seeded PRNG, so two runs of the script ask about the same customers. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

function render(results: ScaleResult[], runs: number, historyBuilds: number, threads: string, url: string, scaleArgument: string): string {
  const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  const lines = [
    '<!-- bench:questions:start -->',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpuModel()} (2 cores shared with other work, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, PostgreSQL ${serverVersion(url)} (a throwaway local server, fsync off).`,
    `Command: \`npm run bench:questions -- --scale ${scaleArgument} --runs ${runs} --history-builds ${historyBuilds} --threads ${threads}\`.`,
    '',
  ];
  for (const result of results) {
    lines.push(
      `**Scale ${result.scale}** (${result.customers.toLocaleString('en-US')} customers). Load average (1/5/15 min) before, after the builds, after the questions: ${result.loads.join(' → ')}. \`strata seed\`: ${result.seedSeconds.toFixed(1)} s.`,
      '',
      `| build of the gold layer and what it needs (\`build --select +tag:gold --exclude resource_type:seed --threads ${threads}\`, whole process) | wall time |`,
      '| --- | ---: |',
      ...result.builds.map((b, i) => `| as of ${b.asOf}${i === 0 ? ' (empty schemas)' : ''} | ${b.seconds.toFixed(1)} s |`),
      '',
      `| question | median | p95 | first run | server time (EXPLAIN ANALYZE) | rows returned | plan (EXPLAIN, once) | index meant (its table) | p95 under ${TARGET_MS} ms |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | :---: |',
      ...result.answers.map((a) =>
        [
          '',
          ` ${a.question.question} `,
          ` ${ms(median(a.runs))} `,
          ` ${ms(p95(a.runs))} `,
          ` ${ms(a.first)} `,
          ` ${ms(a.serverMs)} `,
          ` ${Number.isInteger(a.rows) ? a.rows.toLocaleString('en-US') : a.rows.toFixed(1)} `,
          ` ${a.plan}${a.usesMeantIndex ? '' : a.tablePages <= 4 ? ` (the table is ${a.tablePages} page${a.tablePages === 1 ? '' : 's'}: reading it whole is the cheaper plan)` : ' (**not the index meant**)'} `,
          ` \`${a.meantIndex}\` (${a.tableRows.toLocaleString('en-US')} rows, ${a.tablePages.toLocaleString('en-US')} page${a.tablePages === 1 ? '' : 's'}) `,
          ` ${p95(a.runs) < TARGET_MS ? '✓' : '✗'} `,
          '',
        ].join('|'),
      ),
      '',
    );
  }
  lines.push(
    'The SQL of each question is in `bench/questions.ts`. Per question: one run first (its own column, left out of the median and p95), then the runs of the table, each with a random customer of `gold_customer_metrics` or a random cohort month of `gold_cohort_retention` (a seeded draw), through `pg` on one connection, timed from the client: parse, plan, execute and the rows back to Node. p95 is by nearest rank.',
    '<!-- bench:questions:end -->',
  );
  return lines.join('\n');
}

function log(message: string): void {
  process.stderr.write(`[bench:questions] ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
