import { quoteLiteral, type LiteralValue } from '../sql/quote.js';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import type { ProjectFile } from '../project/project-files.js';
import { BUILTIN_MACROS } from './builtin-macros.js';
import { CROSS_DATABASE_MACROS } from './dbt-context/cross-database-macros.js';
import { installRuntimeContext, type RunState } from './dbt-context/runtime-context.js';
import { QueryNeeded } from './dbt-context/replay-database.js';
import { MACRO_ERROR_POSITION } from './jinja-dialect.js';
import {
  createEnvironment,
  positionAt,
  preprocessMacroSource,
  templateErrorToDiagnostic,
  type CompiledTemplate,
  type StrataEnvironment,
} from './nunjucks-env.js';
import { currentScope, installGlobals, withScope, type RenderContext, type RenderScope } from './render-scope.js';
import { duplicateMacros, macroBodies, type MacroPackage } from './macro-files.js';

export type { MacroPackage } from './macro-files.js';

export interface MacroSource {
  name: string;
  /** The package (project) that defines it; built-in macros belong to `dbt`. */
  package: string;
  /** The file that defines it, or `(builtin)`. */
  path: string;
  /** The names this macro's file mentions that are macros too (for change tracking). */
  calls: string[];
  /** A project macro's own text (see `macroBodies`), which node fingerprints hash; none for built-ins. */
  body?: string;
}

/** `dispatch:` of dbt_project.yml: where `adapter.dispatch(name, macroNamespace)` looks, in order. */
export interface DispatchRule {
  macroNamespace: string;
  searchOrder: string[];
}

/** The package name of the macros shipped with the engine (dbt's own namespace). */
export const BUILTIN_PACKAGE = 'dbt';

type MacroFn = (...args: unknown[]) => unknown;

/**
 * Owns the template environment: built-in, project and package macros, and compiled templates cached
 * by path and checksum. The environment is created only when a file needs it: a project whose models
 * are all static never loads a template engine.
 *
 * Macro lookup follows dbt. An unqualified call looks in the package of the macro (or node) being
 * rendered, then the root project, then the built-ins, then the other packages; `pkg.name()` calls a
 * package's macro; `adapter.dispatch(name, namespace)` walks `dispatch:`'s search order trying
 * `postgres__name` then `default__name` in each package.
 */
export class Renderer {
  private env: StrataEnvironment | undefined;
  private envFailed = false;
  private readonly templates = new Map<string, { checksum: string; template: CompiledTemplate }>();
  /** Keyed by name for the root project and built-ins, by `package.name` for installed packages. */
  readonly macros = new Map<string, MacroSource>();
  private readonly projectMacroNames = new Set<string>();
  /** package → macro name → the callable, filled when the environment is created. */
  private readonly registry = new Map<string, Map<string, MacroFn>>();
  private readonly packageOrder: string[];
  /** What the running command tells templates (`graph`, `selected_resources`, `results`, `flags`, `log`). */
  readonly run: RunState = {};

  constructor(
    readonly context: RenderContext,
    private readonly macroFiles: ProjectFile[],
    private readonly packages: MacroPackage[] = [],
    private readonly dispatchRules: DispatchRule[] = [],
  ) {
    this.packageOrder = packages.map((p) => p.name);
    for (const name of [...Object.keys(CROSS_DATABASE_MACROS), ...Object.keys(BUILTIN_MACROS)]) this.macros.set(name, { name, package: BUILTIN_PACKAGE, path: '(builtin)', calls: [] });
    const parts = [{ name: context.projectName, files: macroFiles }, ...packages];
    const defined = parts.map((part) => part.files.map((file) => macroBodies(file.text)));
    const clashes = duplicateMacros(parts, defined);
    if (clashes.length > 0) throw new StrataError(clashes);
    const allNames = new Set([...Object.keys(BUILTIN_MACROS), ...Object.keys(CROSS_DATABASE_MACROS), ...defined.flat().flatMap((bodies) => [...bodies.keys()])]);
    parts.forEach((part, p) => {
      const root = p === 0;
      part.files.forEach((file, i) => {
        const mentioned = [...allNames].filter((name) => file.text.includes(name) && new RegExp(`\\b${name}\\s*\\(`).test(file.text));
        for (const [name, body] of defined[p]![i]!) {
          if (root) this.projectMacroNames.add(name);
          const key = root ? name : `${part.name}.${name}`;
          this.macros.set(key, { name, package: part.name, path: file.path, calls: mentioned.filter((m) => m !== name), body });
        }
      });
    });
  }

  /** True when the root project defines a macro of this name (overriding a built-in one, or its own). */
  hasProjectMacro(name: string): boolean {
    return this.projectMacroNames.has(name);
  }

  /** True when a macro of this name exists: in `pkg` when given, else anywhere an unqualified call would look. */
  hasMacro(name: string, pkg?: string): boolean {
    if (pkg !== undefined) {
      if (pkg === this.context.projectName || pkg === BUILTIN_PACKAGE) {
        return pkg === BUILTIN_PACKAGE ? this.macros.get(name)?.package === BUILTIN_PACKAGE : this.projectMacroNames.has(name);
      }
      return this.macros.has(`${pkg}.${name}`);
    }
    return this.macros.has(name) || this.packageOrder.some((p) => this.macros.has(`${p}.${name}`));
  }

  /** The environment, created on first use with every macro registered. */
  environment(): StrataEnvironment {
    if (this.env) return this.env;
    // A broken macro file is reported once, by the first template that needs the environment; the
    // others fail quietly (their node is left out, its children are skipped, nothing repeats).
    if (this.envFailed) throw new StrataError([]);
    const env = createEnvironment();
    installGlobals(env, this.context);
    installRuntimeContext(env, {
      dispatch: (name, namespace) => this.dispatch(name, namespace),
      database: this.context.target.database ?? null,
      runStartedAt: this.context.runStartedAt,
      run: this.run,
      observer: this.context.observer,
    });
    env.addGlobal('__strata_literal', (value: unknown) => quoteLiteral(value as LiteralValue));
    const problems: Diagnostic[] = [];
    const register = (pkg: string, source: string, path: string) => {
      let macros: Record<string, MacroFn>;
      try {
        macros = env.macrosOf(source, path);
      } catch (error) {
        problems.push(templateErrorToDiagnostic(error, path, 'syntax', 'STR210', source));
        return;
      }
      let own = this.registry.get(pkg);
      if (!own) this.registry.set(pkg, (own = new Map()));
      for (const [name, macro] of Object.entries(macros)) own.set(name, macro);
    };
    // A built-in macro is compiled on its first call: a command calls a few of the fifty, and compiling
    // them all cost a tenth of a second of every command. Each defines one macro, named as its key.
    const builtins = new Map<string, MacroFn>();
    this.registry.set(BUILTIN_PACKAGE, builtins);
    for (const [name, source] of Object.entries({ ...CROSS_DATABASE_MACROS, ...BUILTIN_MACROS })) {
      let compiled: MacroFn | undefined;
      builtins.set(name, (...args: unknown[]) => (compiled ??= env.macrosOf(source, `(builtin ${name})`)[name] as MacroFn)(...args));
    }
    for (const file of this.macroFiles) register(this.context.projectName, file.text, file.path);
    for (const part of this.packages) for (const file of part.files) register(part.name, file.text, file.path);
    if (problems.length > 0) {
      this.envFailed = true;
      throw new StrataError(problems);
    }

    // Unqualified names: one global per name, resolved at call time (the caller's package decides).
    const names = new Set<string>();
    for (const own of this.registry.values()) for (const name of own.keys()) names.add(name);
    for (const name of names) {
      if (name === this.context.projectName || this.registry.has(name)) continue;
      env.addGlobal(name, (...args: unknown[]) => {
        const overrides = currentScope()?.macroOverrides;
        if (overrides && Object.prototype.hasOwnProperty.call(overrides, name)) return overrides[name];
        const found = this.resolve(name);
        if (!found) throw new Error(`macro '${name}' is not defined`);
        return this.invoke(found.pkg, name, found.fn, args);
      });
    }
    // Namespaces: `dbt_utils.star(...)`, `dbt.dateadd(...)`, `<root project>.my_macro(...)`.
    for (const [pkg, own] of this.registry) {
      const namespace: Record<string, MacroFn> = {};
      for (const [name, fn] of own) namespace[name] = (...args: unknown[]) => this.invoke(pkg, name, fn, args);
      env.addGlobal(pkg, namespace);
    }
    if (!this.registry.has(this.context.projectName)) env.addGlobal(this.context.projectName, {});
    this.env = env;
    return env;
  }

  /** The macro an unqualified call of `name` reaches from the package rendering now. */
  private resolve(name: string): { pkg: string; fn: MacroFn } | undefined {
    const here = currentPackage() ?? currentScope()?.packageName ?? this.context.projectName;
    for (const pkg of [here, this.context.projectName, BUILTIN_PACKAGE, ...this.packageOrder]) {
      const fn = this.registry.get(pkg)?.get(name);
      if (fn) return { pkg, fn };
    }
    return undefined;
  }

  private invoke(pkg: string, name: string, fn: MacroFn, args: unknown[]): unknown {
    const key = pkg === this.context.projectName || pkg === BUILTIN_PACKAGE ? name : `${pkg}.${name}`;
    currentRecorder?.(key);
    packageStack.push(pkg);
    try {
      return fn(...args);
    } catch (error) {
      // The innermost macro an error passes through is the one that failed (nunjucks reports the
      // position of the call in the template being rendered, not inside the macro's file).
      if (!failedMacro && !(error instanceof QueryNeeded)) {
        const at = error && typeof error === 'object' ? (error as { [MACRO_ERROR_POSITION]?: { line: number; column: number } })[MACRO_ERROR_POSITION] : undefined;
        const path = this.macros.get(key)?.path ?? '(builtin)';
        failedMacro = { name: pkg === BUILTIN_PACKAGE ? `dbt.${name}` : `${pkg}.${name}`, path: at && path !== '(builtin)' ? `${path}:${at.line}:${at.column}` : path };
      }
      throw error;
    } finally {
      packageStack.pop();
    }
  }

  /** A render error as a diagnostic at the template's position, naming the macro it happened in. */
  private renderError(error: unknown, file: string, source?: string): StrataError {
    const diagnostic = templateErrorToDiagnostic(error, file, 'render', undefined, source);
    diagnostic.message = readableMessage(diagnostic.message, (name) =>
      name === this.context.projectName || this.packageOrder.includes(name) ? 'package' : this.env?.getGlobal(name) !== undefined ? 'global' : undefined,
    );
    const macro = failedMacro;
    if (macro) {
      diagnostic.message = `${diagnostic.message.replace(/^template error: /, '')} (in macro ${macro.name}, ${macro.path})`;
      diagnostic.hint = `raised at ${macro.path}; check what this call passes to ${macro.name}`;
      const call = diagnostic.line === undefined && source !== undefined ? new RegExp(`\\b${macro.name.split('.').pop()}\\s*\\(`).exec(source) : null;
      if (call) Object.assign(diagnostic, positionAt(source!, call.index));
    }
    return new StrataError(diagnostic);
  }

  /**
   * `adapter.dispatch(name, namespace)`: the implementation for PostgreSQL, as dbt finds it. The
   * packages searched are `dispatch:`'s search order for the namespace (else the namespace itself, else
   * the unqualified lookup); in each, `postgres__name` then `default__name`; dbt's own namespace ends
   * with the built-in macro of the bare name.
   */
  dispatch(name: string, namespace?: string | null): MacroFn {
    this.environment();
    const prefixed = ['postgres', 'default'].map((prefix) => `${prefix}__${name}`);
    const wrap = (pkg: string, macro: string, fn: MacroFn): MacroFn => (...args: unknown[]) => this.invoke(pkg, macro, fn, args);
    if (namespace === undefined || namespace === null || namespace === '') {
      for (const macro of prefixed) {
        const found = this.resolve(macro);
        if (found) return wrap(found.pkg, macro, found.fn);
      }
    } else {
      const rule = this.dispatchRules.find((r) => r.macroNamespace === namespace);
      const order = rule ? rule.searchOrder : [namespace];
      for (const pkg of order) {
        const own = this.registry.get(pkg === 'dbt' ? BUILTIN_PACKAGE : pkg);
        if (!own && pkg !== namespace && pkg !== 'dbt') {
          throw new Error(`dispatch: search_order for '${namespace}' names '${pkg}', which is neither this project nor an installed package`);
        }
        for (const macro of prefixed) {
          const fn = own?.get(macro);
          if (fn) return wrap(pkg, macro, fn);
        }
      }
      if (namespace === 'dbt') {
        const fn = this.registry.get(BUILTIN_PACKAGE)?.get(name);
        if (fn) return wrap(BUILTIN_PACKAGE, name, fn);
      } else if (!this.registry.has(namespace)) {
        throw new Error(`adapter.dispatch('${name}', '${namespace}'): no package named '${namespace}' is installed (run strata deps)`);
      }
    }
    const where = namespace ? ` in namespace '${namespace}'` : '';
    throw new Error(`adapter.dispatch found no implementation of '${name}'${where}: define postgres__${name} or default__${name}`);
  }

  /** Compiles (or reuses) the template of a file. Syntax errors become a StrataError at file:line:col. */
  template(path: string, text: string, checksum: string): CompiledTemplate {
    const cached = this.templates.get(path);
    if (cached && cached.checksum === checksum) return cached.template;
    const env = this.environment();
    let template: CompiledTemplate;
    try {
      template = env.compile(path.endsWith('.sql') && isMacroLike(text) ? preprocessMacroSource(text) : text, path);
    } catch (error) {
      throw new StrataError(templateErrorToDiagnostic(error, path, 'syntax', undefined, text));
    }
    templateSources.set(template, text);
    this.templates.set(path, { checksum, template });
    return template;
  }

  /** Renders a template with `scope` current; render errors become a StrataError at file:line:col. */
  render(template: CompiledTemplate, scope: RenderScope, errorFile = scope.file): string {
    const previousRecorder = currentRecorder;
    currentRecorder = (name) => scope.recordMacro(name);
    const depth = packageStack.length;
    failedMacro = undefined;
    try {
      return withScope(scope, () => template.render({}));
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw this.renderError(error, errorFile, errorFile === scope.file ? templateSources.get(template) : undefined);
    } finally {
      packageStack.length = depth;
      currentRecorder = previousRecorder;
    }
  }

  /** Calls a macro by name outside any template (e.g. generate_schema_name) with `scope` current. */
  callMacro(name: string, args: unknown[], scope: RenderScope): unknown {
    const dot = name.indexOf('.');
    const env = this.environment();
    const macro = dot > 0 ? (env.getGlobal(name.slice(0, dot)) as Record<string, unknown> | undefined)?.[name.slice(dot + 1)] : env.getGlobal(name);
    if (typeof macro !== 'function') {
      throw new StrataError({ code: 'STR204', message: `macro '${name}' is not defined`, file: scope.file });
    }
    const depth = packageStack.length;
    failedMacro = undefined;
    try {
      return withScope(scope, () => macro(...args));
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw this.renderError(error, scope.file);
    } finally {
      packageStack.length = depth;
    }
  }
}

/** Each compiled template's text, where a render error nunjucks gives no position for is looked up. */
const templateSources = new WeakMap<CompiledTemplate, string>();

/** The macro the current render failed in, if it failed inside one. */
let failedMacro: { name: string; path: string } | undefined;

/**
 * nunjucks' messages in the words of a template author: no `undefined`, no JavaScript error names.
 * `namespace` tells what a name before the dot is, so `pkg.macro()` can say the package is missing
 * (`undefined`: neither an installed package nor a global) or has no such macro.
 *
 * @example readableMessage('Unable to call `dbt_utils["stars"]`, which is undefined or falsey')
 *   // "'dbt_utils.stars' is not a macro or function here"
 */
export function readableMessage(message: string, namespace?: (name: string) => 'package' | 'global' | undefined): string {
  return message
    .replace(/Unable to call `([^`]*)`, which is undefined or falsey/g, (_m, expr: string) => {
      const dotted = expr.replace(/\["([^"]+)"\]/g, '.$1');
      const call = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*)$/.exec(dotted);
      const kind = call && namespace ? namespace(call[1]!) : 'global';
      if (call && kind === 'package') return `package '${call[1]}' has no macro '${call[2]}'`;
      // `x.y()` where x is no global: a package that is not installed, or a local value without that method.
      if (call && kind === undefined) {
        return `'${dotted}' is not a macro or function here: '${call[1]}' is not an installed package, nor a value with a '${call[2]}' member (if it is a package, run strata deps)`;
      }
      return `'${dotted}' is not a macro or function here`;
    })
    .replace(/Unable to call `([^`]*)`, which is not a function/g, (_m, expr: string) => `'${expr.replace(/\["([^"]+)"\]/g, '.$1')}' is a value, not a macro or function: it cannot be called`)
    .replace(/\b(?:CompilerError|TypeError|Error|ReferenceError|SyntaxError|RangeError): /g, '')
    .replace(/Cannot read properties of (?:undefined|null) \(reading '([^']+)'\)/g, "cannot read '$1' of a value that is none")
    .replace(/\bundefined\b/g, 'none');
}

/** Packages of the macros running now, innermost last. */
const packageStack: string[] = [];

function currentPackage(): string | undefined {
  return packageStack[packageStack.length - 1];
}

let currentRecorder: ((name: string) => void) | undefined;

function isMacroLike(text: string): boolean {
  return /\{%-?\s*test\s/.test(text);
}
