import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { StrataError } from '../diagnostics/strata-error.js';
import { Dag } from '../graph/dag.js';
import { dbtGraph } from '../artifacts/dbt-graph.js';
import { targetInfo } from '../artifacts/target-info.js';
import { checkRelationNames } from '../graph/relation-names.js';
import { selectNodes, type Selection } from '../graph/select-nodes.js';
import { loadStateManifest, stateCheck } from '../graph/state-manifest.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { join } from 'node:path';
import { parseProject, type ParsedProject } from '../render/parse-project.js';
import { parseProjectCached } from '../render/parse-cache.js';
import { projectDigest } from '../project/project-digest.js';
import { programIdentity } from './program-identity.js';
import type { Reporter } from '../report/reporter.js';
import type { RenderObserver } from '../render/render-scope.js';

/** Options shared by every command (defined once in the command table). */
export interface CommonArgs {
  projectDir: string;
  target?: string;
  vars?: string;
  threads?: number;
  select?: string[];
  exclude?: string[];
  logFormat: 'text' | 'json';
  /** `--state DIR`: the target/ of an earlier run, for `state:` selectors and `--defer`. */
  state?: string;
  /** `--profiles-dir`: where profiles.yml is (wins over DBT_PROFILES_DIR). */
  profilesDir?: string;
  /** `--profile`: overrides `profile:` of dbt_project.yml. */
  profile?: string;
  /** `--no-partial-parse`: parse (and compile) anew, ignoring what earlier commands kept in target/. */
  partialParse?: boolean;
}

export interface Session {
  project: Project;
  parsed: ParsedProject;
  dag: Dag;
  invocationId: string;
  /** Short id for scratch relation names. */
  runId: string;
}

/** `--vars '{a: 1}'`: YAML or JSON, a mapping. */
export function parseVars(text: string | undefined): Record<string, unknown> {
  return parseMappingOption(text, '--vars', 'STR150', `e.g. --vars '{clv_horizon_months: 12}'`);
}

/** A command-line option holding a YAML or JSON mapping (`--vars`, `run-operation --args`). */
export function parseMappingOption(text: string | undefined, flag: string, code: string, example: string): Record<string, unknown> {
  if (!text) return {};
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new StrataError({ code, message: `${flag} is not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`, hint: example });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new StrataError({ code, message: `${flag} must be a mapping`, hint: example });
  }
  return value as Record<string, unknown>;
}

/** What the shared command-line options say about loading the project. */
export function loadOptions(args: Omit<CommonArgs, 'logFormat'>): LoadProjectOptions {
  // `--select "$MODELS"` with an empty variable would otherwise select every node.
  for (const [flag, value] of [['--select', args.select], ['--exclude', args.exclude]] as const) {
    if (value !== undefined && value.length === 0) {
      throw new StrataError({ code: 'STR305', message: `${flag} was given without a selector`, hint: `e.g. ${flag} gold, or leave ${flag} out` });
    }
  }
  if (args.target !== undefined && args.target.trim() === '') {
    throw new StrataError({ code: 'STR104', message: '--target was given without a name', hint: 'e.g. --target postgres, or leave --target out for the default target' });
  }
  if (args.threads !== undefined && !(Number.isInteger(args.threads) && args.threads >= 1)) {
    throw new StrataError({ code: 'STR139', message: `--threads takes a whole number of 1 or more, not ${numberArg(args.threads)}`, hint: 'e.g. --threads 4' });
  }
  return { target: args.target, vars: parseVars(args.vars), threads: args.threads, profilesDir: args.profilesDir, profile: args.profile };
}

/** A numeric option's value as the user sees it (the command line gives NaN for a word). */
export function numberArg(value: number): string {
  return Number.isNaN(value) ? 'a word' : `'${value}'`;
}

/**
 * Loads the project for a command and shows its warnings (keys not acted on, unknown keys) once, before
 * anything else the command prints.
 */
export function loadProjectFor(args: CommonArgs, reporter?: Reporter): Project {
  const project = loadProject(args.projectDir, loadOptions(args));
  if (reporter && project.warnings.length > 0) reporter.diagnostics(project.warnings);
  return project;
}

/** What a command that already did part of openSession's work hands it. */
export interface SessionStart {
  /** The project, when the command loaded it already. */
  project?: Project;
  /** Its digest (projectDigest), when the command computed it already. */
  digest?: string;
  /** Told what templates read besides the project (see RenderObserver). */
  observer?: RenderObserver;
  /** Keep this parse in target/ for the next command (parse-cache.ts); `strata compile` keeps its own record instead. */
  keepParse?: boolean;
}

/**
 * project → parse pass → graph: everything before the database, pure. The parse pass is the earlier
 * command's when nothing it read changed (parse-cache.ts), unless `--no-partial-parse`.
 */
export function openSession(args: CommonArgs, reporter?: Reporter, start: SessionStart = {}): Session {
  const project = start.project ?? loadProjectFor(args, reporter);
  const invocationId = randomUUID();
  const options = { invocationId, observer: start.observer };
  const parsed =
    args.partialParse === false
      ? parseProject(project, options)
      : parseProjectCached(project, options, {
          dir: join(project.root, project.paths.target),
          key: `${start.digest ?? projectDigest(project)}|${programIdentity()}`,
          write: start.keepParse !== false,
        });
  if (reporter && parsed.warnings.length > 0) reporter.diagnostics(parsed.warnings);
  // What templates read of the run: `graph` (built on first use), and `log(msg, info=True)` lines.
  parsed.renderer.run.graph = () =>
    dbtGraph(parsed.manifest, {
      projectName: project.name,
      targetPath: project.paths.target,
      adapterType: 'postgres',
      database: null,
      generatedAt: parsed.manifest.generatedAt,
      ...targetInfo(parsed, invocationId),
      invocationId,
    });
  if (reporter) parsed.renderer.run.log = (message) => reporter.info(message);
  const dag = Dag.fromManifest(parsed.manifest);
  dag.assertAcyclic();
  const nameProblems = checkRelationNames(parsed.manifest);
  if (nameProblems.length > 0) throw new StrataError(nameProblems);
  return { project, parsed, dag, invocationId, runId: randomBytes(3).toString('hex') };
}

export function select(session: Session, args: CommonArgs, reporter: Reporter): Selection {
  const state = args.state ? stateCheck(session.parsed, loadStateManifest(args.state)) : undefined;
  const selection = selectNodes(session.parsed.manifest, session.dag, { select: args.select, exclude: args.exclude, state });
  session.parsed.renderer.run.selectedResources = [...selection.ids];
  session.parsed.renderer.run.flags = { FULL_REFRESH: (args as { fullRefresh?: boolean }).fullRefresh === true, WHICH: 'run' };
  if (selection.warnings.length > 0) reporter.diagnostics(selection.warnings.map((w) => ({ ...w, severity: 'warn' })));
  return selection;
}

/** `Found 20 models, 13 seeds, 98 data tests, 13 sources, 12 macros`. */
export function describeProject(session: Session): string {
  const counts = new Map<string, number>();
  for (const node of Object.values(session.parsed.manifest.nodes)) {
    const kind = node.resourceType === 'test' ? 'data test' : node.resourceType === 'unit_test' ? 'unit test' : node.resourceType;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  counts.set('source', Object.keys(session.parsed.manifest.sources).length);
  const macros = [...session.parsed.renderer.macros.values()].filter((m) => m.path !== '(builtin)').length;
  counts.set('macro', macros);
  return `Found ${[...counts].map(([k, n]) => `${n} ${n === 1 ? k : k === 'analysis' ? 'analyses' : `${k}s`}`).join(', ')}`;
}
