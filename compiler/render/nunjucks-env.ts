/**
 * The one module that loads nunjucks. It builds an environment that speaks dbt's Jinja2 dialect (taught
 * by jinja-dialect.ts), `{% test %}` blocks, dbt's `as_*` filters, and turns template errors into
 * positioned diagnostics.
 */
import { createRequire } from 'node:module';
import type NunjucksModule from 'nunjucks';

// Loaded on first use: a project whose models all take the static fast path never pays for it.
const require = createRequire(import.meta.url);
let loaded: typeof NunjucksModule | undefined;
const nunjucksModule = (): typeof NunjucksModule => (loaded ??= require('nunjucks') as typeof NunjucksModule);
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { installJinjaDialect, type DialectEnvironment } from './jinja-dialect.js';

export type CompiledTemplate = { render(context: object): string };

export { MacroReturn } from './jinja-dialect.js';

export interface StrataEnvironment {
  addGlobal(name: string, value: unknown): void;
  getGlobal(name: string): unknown;
  /** A global whose value is computed at each lookup (nunjucks reads globals from a plain object). */
  defineGlobalGetter(name: string, get: () => unknown): void;
  compile(source: string, path: string): CompiledTemplate;
  /** Renders a macro file once and returns its macros by name. */
  macrosOf(source: string, path: string): Record<string, (...args: unknown[]) => unknown>;
}

/** `{% test name(args) %}` is a macro named `test_name` (dbt's generic test blocks). */
export function preprocessMacroSource(source: string): string {
  return source
    .replace(/\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g, '{%$1 macro test_$2(')
    .replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, '{%$1 endmacro $2%}');
}

export function createEnvironment(): StrataEnvironment {
  const nunjucks = nunjucksModule();
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
  installJinjaDialect(nunjucks, env as unknown as DialectEnvironment);
  env.addFilter('as_bool', (value: unknown) => value === true || value === 'true' || value === 'True');
  env.addFilter('as_number', (value: unknown) => Number(value));
  env.addFilter('as_text', (value: unknown) => String(value));
  const globals = (env as unknown as { globals: Record<string, unknown> }).globals;
  return {
    addGlobal: (name, value) => void env.addGlobal(name, value),
    getGlobal: (name) => globals[name],
    defineGlobalGetter: (name, get) => {
      Object.defineProperty(globals, name, { get, enumerable: true, configurable: true });
    },
    compile(source, path) {
      const template = new nunjucks.Template(source, env, path, true);
      return { render: (context) => template.render(context) };
    },
    macrosOf(source, path) {
      const template = new nunjucks.Template(preprocessMacroSource(source), env, path, true);
      let exported: Record<string, unknown> = {};
      const compiled = template as unknown as {
        compile(): void;
        rootRenderFunc: (env: unknown, context: { ctx: Record<string, unknown> }, ...rest: unknown[]) => unknown;
        getExported(ctx: object, cb: (error: Error | null, result: Record<string, unknown>) => void): void;
      };
      // nunjucks exports no macro whose name starts with `_`, but dbt packages call theirs as
      // `pkg._name()`: read every top-level macro from the context the file rendered into.
      compiled.compile();
      const root = compiled.rootRenderFunc;
      let topLevel: Record<string, unknown> = {};
      compiled.rootRenderFunc = (e, context, ...rest) => {
        topLevel = context.ctx;
        return root(e, context, ...rest);
      };
      compiled.getExported({}, (error, result) => {
        if (error) throw error;
        exported = result;
      });
      compiled.rootRenderFunc = root;
      const macros: Record<string, (...args: unknown[]) => unknown> = {};
      for (const [name, value] of Object.entries({ ...topLevel, ...exported })) {
        if (typeof value === 'function') macros[name] = value as (...args: unknown[]) => unknown;
      }
      return macros;
    },
  };
}

/**
 * Turns a nunjucks error into a diagnostic at the right line and column. nunjucks reports positions
 * in the message (`[Line 3, Column 5]`): 1-based for syntax errors, 0-based for render errors.
 */
export function templateErrorToDiagnostic(
  error: unknown,
  file: string,
  phase: 'syntax' | 'render',
  code = phase === 'syntax' ? 'STR201' : 'STR202',
): Diagnostic {
  const raw = error instanceof Error ? error.message : String(error);
  const position = /\[Line (\d+), Column (\d+)\]/.exec(raw);
  const message = raw
    .replace(/^\(.*?\)\s*/s, '')
    .replace(/^Template render error:\s*/, '')
    .replace(/(\((?:unknown path|[^)]*)\)\s*)?\[Line \d+, Column \d+\]\s*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^Error: /, '');
  const lineno = (error as { lineno?: number }).lineno;
  const colno = (error as { colno?: number }).colno;
  // Syntax errors are reported 1-based, render errors 0-based.
  const shift = phase === 'syntax' ? 0 : 1;
  const line = position ? Number(position[1]) + shift : typeof lineno === 'number' ? lineno + 1 : undefined;
  const column = position ? Number(position[2]) + shift : typeof colno === 'number' ? colno + 1 : undefined;
  return { code, message: `template error: ${message}`, file, line, column, hint: 'fix the Jinja syntax or expression here' };
}
