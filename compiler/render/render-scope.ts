import { createHash } from 'node:crypto';
import { StrataError } from '../diagnostics/strata-error.js';
import type { StrataEnvironment } from './nunjucks-env.js';
import { MacroReturn } from './nunjucks-env.js';
import type { ReplayDatabase } from './dbt-context/replay-database.js';

/**
 * What a template sees of the node being rendered. The globals of the environment (`ref`, `this`,
 * `config`, ...) delegate to the scope that is current while a template renders, so macros defined in
 * other files see the caller's node, as in dbt.
 */
export interface RenderScope {
  mode: 'parse' | 'compile';
  /** Relative path of the file being rendered (for errors). */
  file: string;
  ref(args: unknown[]): unknown;
  source(args: unknown[]): unknown;
  /** `{{ config(k=v) }}` */
  config(values: Record<string, unknown>): void;
  /** `config.get('k', default)` */
  configGet(key: string, fallback: unknown): unknown;
  thisRelation(): unknown;
  isIncremental(): boolean;
  /** Called when the template reads something only the compile pass knows. */
  taint(): void;
  recordMacro(name: string): void;
  model: Record<string, unknown>;
  /** Vars that win over the project's while this scope renders (a unit test's `overrides: {vars}`). */
  vars?: Record<string, unknown>;
  /** Macros answered with a fixed value while this scope renders (a unit test's `overrides: {macros}`). */
  macroOverrides?: Record<string, unknown>;
  /** The package (project) of the node: unqualified macro calls look there first. */
  packageName?: string;
  /** The target, at run time only: `execute` is true and templates may query it. */
  database?: ReplayDatabase;
  /** `{% call statement('name') %}` results, for `load_result('name')`. */
  statementResults?: Map<string, unknown>;
  /** Where `exceptions.warn(msg)` goes. */
  warn?(message: string): void;
}

/** Values shared by every render of a run: vars, target, environment. */
export interface RenderContext {
  projectName: string;
  vars: Record<string, unknown>;
  target: { name: string; schema: string; type: string; threads: number; database?: string; user?: string };
  env: NodeJS.ProcessEnv;
  runStartedAt: Date;
  invocationId: string;
  /** Each installed package's own `vars:` (below the root project's and `--vars`). */
  packageVars?: Record<string, Record<string, unknown>>;
  /** Told what renders read beyond the project's files (see RenderObserver). */
  observer?: RenderObserver;
}

/**
 * What a render read that the project's files, vars and target do not decide: the environment
 * variables it asked for, and values that differ from one run to the next (the clock, the invocation
 * id) or lines it printed. A command that reuses an earlier result (`strata compile` when nothing
 * changed) may do so only if the same variables hold the same values and nothing volatile was read.
 */
export interface RenderObserver {
  envRead(name: string, value: string | undefined): void;
  /** `what`: the value read or the effect, e.g. 'run_started_at', 'log()'. */
  volatile(what: string): void;
}

/**
 * A RenderObserver that keeps what it is told, and passes it on to `next`: the environment variables read
 * with their values (null: not set), and whether anything volatile was read.
 */
export class RecordingObserver implements RenderObserver {
  readonly env = new Map<string, string | null>();
  readVolatile = false;
  constructor(private readonly next?: RenderObserver) {}

  envRead(name: string, value: string | undefined): void {
    this.env.set(name, value ?? null);
    this.next?.envRead(name, value);
  }

  volatile(what: string): void {
    this.readVolatile = true;
    this.next?.volatile(what);
  }
}

/** Whether each environment variable recorded by a RecordingObserver has the same value in `env`. */
export function sameEnvironment(recorded: Record<string, string | null>, env: NodeJS.ProcessEnv): boolean {
  return Object.entries(recorded).every(([name, value]) => (env[name] ?? null) === value);
}

let current: RenderScope | undefined;

/** Runs `fn` with `scope` as the current render scope (renders are synchronous; scopes nest for macros). */
export function withScope<T>(scope: RenderScope, fn: () => T): T {
  const previous = current;
  current = scope;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/** The scope rendering now, if any. */
export function currentScope(): RenderScope | undefined {
  return current;
}

function scope(name: string): RenderScope {
  if (!current) {
    throw new StrataError({ code: 'STR203', message: `'${name}' can only be used while a model is rendered` });
  }
  return current;
}

/** Splits nunjucks' call arguments into positional ones and keyword ones. */
export function splitKeywords(args: unknown[]): { positional: unknown[]; keywords: Record<string, unknown> } {
  const last = args[args.length - 1] as Record<string, unknown> | undefined;
  if (last && typeof last === 'object' && last.__keywords === true) {
    const { __keywords: _k, ...keywords } = last;
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

/** Registers the dbt globals on an environment. */
export function installGlobals(env: StrataEnvironment, context: RenderContext): void {
  env.addGlobal('ref', (...args: unknown[]) => scope('ref').ref(args));
  env.addGlobal('source', (...args: unknown[]) => scope('source').source(args));
  const config = (...args: unknown[]) => {
    const { positional, keywords } = splitKeywords(args);
    const values = positional.length > 0 && typeof positional[0] === 'object' ? { ...(positional[0] as object), ...keywords } : keywords;
    scope('config').config(values);
    return '';
  };
  Object.assign(config, {
    // `config.get('k', default)` and `config.get('k', default=x)`.
    get: (...args: unknown[]) => {
      const { positional, keywords } = splitKeywords(args);
      const fallback = 'default' in keywords ? keywords.default : positional[1];
      return scope('config').configGet(String(positional[0] ?? keywords.name), fallback);
    },
    require: (key: string) => {
      const value = scope('config').configGet(key, undefined);
      if (value === undefined) throw new Error(`config '${key}' is required`);
      return value;
    },
  });
  env.addGlobal('config', config);
  // The `model` argument of generic tests: the relation, filtered by the test's `where` config.
  env.addGlobal('__strata_where', (relation: unknown) => {
    // In the parse pass too: the relation prints as a token the compile pass replaces, and a test whose
    // SQL is finished by replacing tokens must keep its filter.
    const where = scope('test').configGet('where', null);
    return where ? `(select * from ${String(relation)} where ${String(where)}) as strata_subquery` : relation;
  });
  env.addGlobal('is_incremental', () => scope('is_incremental').isIncremental());
  env.addGlobal('var', (name: string, fallback?: unknown) => {
    if (typeof name !== 'string' || name === '') throw new Error("var() takes a variable's name, e.g. var('start_date')");
    const overrides = current?.vars;
    if (overrides && Object.prototype.hasOwnProperty.call(overrides, name)) return overrides[name];
    // dbt's order: the root's vars scoped to the node's package, the root's global vars, the package's own.
    const pkg = current?.packageName;
    const scoped = pkg && pkg !== context.projectName ? context.vars[pkg] : undefined;
    if (scoped && typeof scoped === 'object' && Object.prototype.hasOwnProperty.call(scoped, name)) return (scoped as Record<string, unknown>)[name];
    if (Object.prototype.hasOwnProperty.call(context.vars, name)) return context.vars[name];
    const own = pkg ? context.packageVars?.[pkg] : undefined;
    if (own && Object.prototype.hasOwnProperty.call(own, name)) return own[name];
    if (fallback !== undefined) return fallback;
    throw new Error(`required var '${name}' is not set: pass --vars '{${name}: ...}' or set it under vars: in project.yml`);
  });
  env.addGlobal('env_var', (name: string, fallback?: unknown) => {
    if (typeof name !== 'string' || name === '') throw new Error("env_var() takes an environment variable's name, e.g. env_var('DBT_SCHEMA')");
    const value = context.env[name];
    context.observer?.envRead(name, value);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw new Error(`environment variable '${name}' is not set and has no default`);
  });
  env.addGlobal('target', { ...context.target, profile_name: context.projectName });
  env.addGlobal('project_name', context.projectName);
  env.defineGlobalGetter('invocation_id', () => {
    context.observer?.volatile('invocation_id');
    return context.invocationId;
  });
  env.addGlobal('return', (value: unknown) => {
    throw new MacroReturn(value);
  });
  env.addGlobal('tojson', (value: unknown) => JSON.stringify(value));
  env.addGlobal('fromjson', (text: string) => JSON.parse(text));
  env.addGlobal('local_md5', (text: string) => md5(String(text)));
  // Values that depend on the node or the pass: read through getters at lookup time.
  env.defineGlobalGetter('this', () => scope('this').thisRelation());
  env.defineGlobalGetter('model', () => scope('model').model);
  // True only at run time, when the node renders with its target at hand: the parse pass and
  // `strata compile` never open a database.
  env.defineGlobalGetter('execute', () => {
    const s = scope('execute');
    if (s.mode === 'parse') s.taint();
    return s.database !== undefined;
  });
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
