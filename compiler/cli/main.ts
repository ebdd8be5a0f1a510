/**
 * The command table. Each handler returns an exit code: 0 all passed, 1 a model, seed or test failed,
 * 2 the project or the command is wrong. The engine is imported lazily, so `--version` and `--help`
 * stay fast.
 */
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import type { Reporter } from '../report/reporter.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Handler = (args: Record<string, unknown>, reporter: Reporter) => Promise<number>;

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const { default: yargs } = await import('yargs');
  let exitCode = 0;
  // yargs may still call the command's handler after a usage error (e.g. an unknown option in strict
  // mode): the usage error wins, and the command does not run.
  let usageError = false;
  const run = (handler: Handler) => async (args: Record<string, unknown>) => {
    if (usageError) return;
    exitCode = await guarded(args, handler);
  };

  const parser = yargs(argv)
    .scriptName('strata')
    .usage('$0 <command> [options]\n\nA dbt-style SQL model compiler for PostgreSQL (embedded PGlite by default).')
    .version(VERSION)
    .alias('v', 'version')
    .option('project-dir', { type: 'string', default: '.', describe: 'Directory holding project.yml (or dbt_project.yml)' })
    .option('target', { alias: 't', type: 'string', describe: "Target from project.yml targets: or the profile's outputs in profiles.yml (default: its target: key, else embedded)" })
    .option('vars', { type: 'string', describe: "Variables as YAML or JSON, e.g. '{clv_horizon_months: 12}'" })
    .option('profiles-dir', { type: 'string', describe: 'Directory holding profiles.yml (default: DBT_PROFILES_DIR, else the project dir, else ~/.dbt)' })
    .option('profile', { type: 'string', describe: 'Profile of profiles.yml to use, instead of profile: in dbt_project.yml' })
    .option('log-format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'Console output format' })
    .option('partial-parse', { type: 'boolean', default: true, describe: "Reuse the parse (and compile's output) of an earlier command when nothing it read changed; --no-partial-parse: parse anew" })
    .command(
      'build',
      'Seeds, models, snapshots and tests in one DAG; each model\'s tests right after it',
      (y) => watchOptions(emptyOption(runOptions(y)).option('watch', { alias: 'w', type: 'boolean', default: false, describe: 'Then watch the project and rebuild what changes (as strata watch)' })),
      run(async (a, r) => (a.watch ? (await watcher()).watchCommand(await noEmpty(a), r) : (await engine()).runCommand('build', a as never, r))),
    )
    .command('watch', 'Build the selection, then rebuild and test what each edit changes', (y) => watchOptions(runOptions(y)), run(async (a, r) => (await watcher()).watchCommand(a as never, r)))
    .command('run', 'Build the selected models', (y) => emptyOption(runOptions(y)), run(async (a, r) => (await engine()).runCommand('run', a as never, r)))
    .command('retry', 'Run again what failed or was skipped in the last run_results.json, with that command and its flags', (y) => y.option('state', { type: 'string', describe: 'Read run_results.json there instead of in target/' }).option('threads', { type: 'number', describe: 'Nodes built at once (instead of the last run\'s)' }), run(async (a, r) => (await import('./retry-command.js')).retryCommand(a as never, r)))
    .command(
      'clone',
      "Views (or copies) in the target of the --state manifest's relations, for the selected models, seeds and snapshots",
      (y) =>
        selectOptions(y)
          .option('as', { choices: ['view', 'table'] as const, default: 'view' as const, describe: 'A view reading the state relation, or a copy of its rows' })
          .option('full-refresh', { type: 'boolean', default: false, describe: 'Replace relations that already exist in the target' })
          .option('lock-timeout', { type: 'number', describe: 'Seconds to wait while another run writes to the same target' }),
      run(async (a, r) => (await import('./clone-command.js')).cloneCommand(a as never, r)),
    )
    .command('seed', 'Load the CSV seeds with COPY', (y) => runOptions(y), run(async (a, r) => (await engine()).runCommand('seed', a as never, r)))
    .command('snapshot', 'Record the changes of the selected snapshots in their history tables', (y) => runOptions(y), run(async (a, r) => (await engine()).runCommand('snapshot', a as never, r)))
    .command('test', 'Run the selected data tests', (y) => runOptions(y), run(async (a, r) => (await engine()).runCommand('test', a as never, r)))
    .command(
      'compile',
      'Render the selected nodes to target/compiled/ (no database)',
      (y) => selectOptions(y),
      run(async (a, r) => (await inspect()).compileCommand(a as never, r)),
    )
    .command('parse', 'Parse the project and write target/manifest.json (no database, nothing compiled)', (y) => y, run(async (a, r) => (await import('./parse-command.js')).parseCommand(a as never, r)))
    .command('source', 'Commands on sources: freshness', (y) =>
      y
        .command(
          'freshness',
          "Check the selected sources' freshness (loaded_at_field against warn_after / error_after) and write target/sources.json",
          (f) => selectOptions(f).option('output', { alias: 'o', type: 'string', describe: 'Where to write sources.json (default: target/sources.json)' }),
          run(async (a, r) => (await import('./freshness-command.js')).sourceFreshnessCommand(a as never, r)),
        )
        .demandCommand(1, 'Give a source command: freshness'),
    )
    .command(
      ['ls', 'list'],
      'List the selected nodes in DAG order',
      (y) =>
        selectOptions(y)
          .option('output', { alias: 'o', choices: ['selector', 'name', 'path', 'json'] as const, default: 'selector', describe: 'How to print each node' })
          .option('resource-type', { type: 'array', string: true, choices: ['model', 'seed', 'snapshot', 'source', 'test', 'unit_test', 'exposure', 'analysis'], describe: 'Only these resource types' }),
      run(async (a, r) => (await inspect()).listCommand(a as never, r)),
    )
    .command(
      'show',
      'Print rows of a model, or of an inline query rendered like a model',
      (y) =>
        selectOptions(y)
          .option('inline', { type: 'string', describe: "SQL with Jinja, e.g. \"select * from {{ ref('dim_customer') }}\"" })
          .option('limit', { type: 'number', default: 5, describe: 'Rows to print (-1: all)' })
          .example("$0 show --select gold_customer_metrics --limit 5", 'First rows of a model')
          .example(`$0 show --inline "select customer_tier, count(*) from {{ ref('gold_customer_metrics') }} group by 1"`, 'An ad-hoc query'),
      run(async (a, r) => (await inspect()).showCommand(a as never, r)),
    )
    .command(
      'run-operation <macro>',
      'Call a macro on the target (its statements run in one transaction)',
      (y) =>
        y
          .positional('macro', { type: 'string', demandOption: true, describe: 'The macro, or pkg.macro' })
          .option('args', { type: 'string', describe: "The macro's keyword arguments as YAML or JSON, e.g. '{table: orders}'" })
          .option('lock-timeout', { type: 'number', describe: 'Seconds to wait while another run writes to the same target' }),
      run(async (a, r) => (await import('./run-operation-command.js')).runOperationCommand(a as never, r)),
    )
    .command('clean', 'Remove the target directory', (y) => y, run(async (a, r) => (await inspect()).cleanCommand(a as never, r)))
    .command(
      'deps',
      'Install the packages of packages.yml into dbt_packages/ and write package-lock.yml',
      (y) =>
        y
          .option('upgrade', { type: 'boolean', default: false, describe: 'Resolve again, ignoring package-lock.yml' })
          .option('lock', { type: 'boolean', default: false, describe: 'Only resolve and write package-lock.yml' }),
      run(async (a, r) => (await deps()).depsCommand(a as never, r)),
    )
    .command('docs', 'Generate the docs site (catalog.json, lineage, node pages) into target/, or serve it', (y) =>
      y
        .command('generate', 'Write catalog.json, manifest.json and the static site (target/index.html)', (g) => g.option('empty-catalog', { type: 'boolean', default: false, describe: 'Do not read the database: an empty catalog' }), run(async (a, r) => (await docs()).docsGenerateCommand(a as never, r)))
        .command(
          'serve',
          'Serve target/ over HTTP (loopback by default)',
          (s) => s.option('port', { type: 'number', default: 8080, describe: 'Port (0: any free port)' }).option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' }),
          run(async (a, r) => (await docs()).docsServeCommand(a as never, r)),
        )
        .demandCommand(1, 'Give a docs command: generate or serve'),
    )
    .command('debug', 'Print the target and check the connection', (y) => y.option('threads', { type: 'number' }), run(async (a, r) => (await inspect()).debugCommand(a as never, r)))
    .example('$0 build', 'Build everything on the default target')
    .example('$0 build --select +gold --target postgres --threads 4', 'The gold layer and all it needs, on Postgres')
    .example("$0 ls --select 'tag:gold,config.materialized:table'", 'Gold tables')
    .demandCommand(1, 'Give a command: build, watch, run, retry, clone, seed, snapshot, test, compile, parse, ls, show, source freshness, docs, clean, deps or debug')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error, y) => {
      if (error) throw error;
      void y;
      // yargs reports a missing positional twice ('not enough non-option arguments', then 'missing required argument').
      if (usageError && /^Missing required argument/.test(message)) return;
      process.stderr.write(`error: ${message}\nRun 'strata --help' for usage.\n`);
      usageError = true;
      exitCode = 2;
    });

  // yargs formats the whole help text before every command's handler, in case the handler prints it
  // (about 25 ms of every command, most of it measuring string widths); no handler here does, and
  // `--help` and usage errors format it when they need it.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  await parser.parseAsync();
  return usageError ? 2 : exitCode;
}

function selectOptions<T>(y: Argv<T>) {
  return y
    .option('select', { alias: ['s', 'models', 'm'], type: 'array', string: true, describe: 'Selector: name, +x, x+, n+x, @x, tag:, path:, folder, config.k:v, resource_type:, a,b (and), space (or)' })
    .option('exclude', { type: 'array', string: true, describe: 'Selector of nodes to leave out' })
    .option('state', { type: 'string', describe: 'target/ of an earlier run, for state:modified / state:new and --defer' });
}

function runOptions<T>(y: Argv<T>) {
  return selectOptions(y)
    .option('threads', { type: 'number', describe: 'Nodes built at once (Postgres targets; the embedded database uses 1)' })
    .option('full-refresh', { type: 'boolean', default: false, describe: 'Rebuild incremental models from scratch' })
    .option('fail-fast', { alias: 'x', type: 'boolean', default: false, describe: 'Stop at the first failure and cancel running queries' })
    .option('event-time-start', { type: 'string', describe: "Microbatch models: build the batches from this time (UTC), e.g. '2024-01-01'" })
    .option('event-time-end', { type: 'string', describe: 'Microbatch models: ... up to this time (UTC, exclusive); needs --event-time-start' })
    .option('defer', { type: 'boolean', default: false, describe: 'Refs to nodes outside the selection read the relations of the --state manifest' })
    .option('lock-timeout', { type: 'number', describe: 'Seconds to wait while another run writes to the same target (default: as long as it takes)' });
}

/** Watch builds real rows: `build --watch --empty` is a mistake, not a flag to drop. */
async function noEmpty(args: Record<string, unknown>): Promise<never> {
  if (args.empty === true) {
    const { StrataError } = await import('../diagnostics/strata-error.js');
    throw new StrataError({ code: 'STR151', message: '--empty does not apply to watch, which builds the selection with its rows', hint: 'run strata build --empty once, without --watch' });
  }
  return args as never;
}

/** `--empty` (build, run): refs and sources read as zero-row subqueries, as in dbt. */
function emptyOption<T>(y: Argv<T>) {
  return y.option('empty', { type: 'boolean', default: false, describe: 'Build the selected models with zero rows (refs and sources read as empty), to check their SQL and columns' });
}

function watchOptions<T>(y: Argv<T>) {
  return y
    .option('clear-screen', { type: 'boolean', default: false, describe: 'Watch: clear the screen before each change set' })
    .option('changed-only', { type: 'boolean', default: false, describe: 'Watch: rerun the changed nodes (and their tests), not their descendants' })
    .option('debounce', { type: 'number', default: 100, describe: 'Watch: milliseconds of quiet that end a change set' });
}

const engine = () => import('./run-command.js');
const inspect = () => import('./inspect-commands.js');
const watcher = () => import('../watch/watch-command.js');
const deps = () => import('./deps-command.js');
const docs = () => import('./docs-command.js');

/** Loads the reporter, runs the handler, and turns errors into diagnostics and exit code 2. */
async function guarded(args: Record<string, unknown>, handler: Handler): Promise<number> {
  const { consoleReporter, jsonReporter } = await import('../report/reporter.js');
  const { StrataError } = await import('../diagnostics/strata-error.js');
  const reporter = args.logFormat === 'json' ? jsonReporter() : consoleReporter();
  try {
    return await handler(normalizeArgs(args), reporter);
  } catch (error) {
    if (error instanceof StrataError) {
      reporter.diagnostics(error.diagnostics);
      return 2;
    }
    // A database or connection error that no stage wrapped is still the database's answer, not a bug.
    const { databaseErrorDiagnostic, isConnectionLost, isDatabaseError } = await import('../run/database-error.js');
    if (isDatabaseError(error) || isConnectionLost(error)) {
      reporter.diagnostics([databaseErrorDiagnostic(error)]);
      return 1;
    }
    reporter.diagnostics([
      {
        code: 'STR000',
        message: `internal error: ${(error as Error)?.stack ?? String(error)}`,
        hint: 'this is a bug in Strata: please report it with the command you ran and this message',
      },
    ]);
    return 2;
  }
}

/** `--select a b` and `--select a --select b` both give ['a', 'b'] ; the project dir is absolute. */
function normalizeArgs(args: Record<string, unknown>): Record<string, unknown> {
  const flat = (value: unknown) => (Array.isArray(value) ? value.flatMap((v) => String(v).split(/\s+/)).filter(Boolean) : undefined);
  return { ...args, select: flat(args.select), exclude: flat(args.exclude) };
}
