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
  /** The template's text: where nunjucks gives no position (a filter, a `pkg.macro()` call, an unclosed block), it is found here. */
  source?: string,
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
  const hint =
    phase === 'syntax'
      ? 'fix the Jinja syntax or expression here'
      : /\bCompilerError: /.test(raw)
        ? 'raised by exceptions.raise_compiler_error in the template'
        : 'check the expression at this position';
  const diagnostic: Diagnostic = { code, message: `template error: ${message}`, file, line, column, hint };
  return source === undefined ? diagnostic : locateInSource(diagnostic, raw, source);
}

/** 1-based line and column of an offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

const BLOCK_TAGS = new Set(['if', 'for', 'macro', 'call', 'filter', 'set', 'raw', 'test', 'materialization', 'snapshot', 'block']);

/**
 * The opening tag of a block that is never closed (`{% if %}` without `{% endif %}`), found by a scan
 * of the tags; a `{% set x = ... %}` with a value is not a block.
 */
function unclosedBlock(source: string): { tag: string; offset: number } | undefined {
  const stack: { tag: string; offset: number }[] = [];
  for (const match of source.matchAll(/\{%-?\s*(\w+)([^%]*)%\}/g)) {
    const tag = match[1]!;
    if (tag.startsWith('end')) {
      const at = stack.map((b) => b.tag).lastIndexOf(tag.slice(3));
      if (at >= 0) stack.length = at;
    } else if (BLOCK_TAGS.has(tag) && !(tag === 'set' && match[2]!.includes('='))) {
      stack.push({ tag, offset: match.index });
    }
  }
  return stack.pop();
}

/** Fills in the position (and plainer words) of an error nunjucks reported without one, from the template's text. */
function locateInSource(diagnostic: Diagnostic, raw: string, source: string): Diagnostic {
  const at = (offset: number) => ({ ...diagnostic, ...positionAt(source, offset) });
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `{{ ref('a')` then a new line: nunjucks stops at the next token; the `{{` that is not closed is the place.
  if (/expected variable end/.test(raw) && diagnostic.line !== undefined) {
    const lines = source.split('\n');
    const reported = lines.slice(0, diagnostic.line - 1).join('\n').length + (diagnostic.column ?? 1);
    const open = source.lastIndexOf('{{', reported);
    if (open >= 0 && !source.slice(open, reported).includes('}}')) {
      return { ...at(open), message: "template error: '{{' is not closed by '}}'", hint: "close the expression with '}}'" };
    }
  }
  if (diagnostic.line !== undefined) return diagnostic;
  if (/end of file|unknown block tag|expected end/.test(raw)) {
    const block = unclosedBlock(source);
    if (block) return { ...at(block.offset), message: `template error: '{% ${block.tag} %}' is never closed`, hint: `add '{% end${block.tag} %}' where the block ends` };
  }
  const call = /Unable to call `([^`]+)`/.exec(raw);
  if (call) {
    const dotted = call[1]!.replace(/\["([^"]+)"\]/g, '.$1');
    const found = new RegExp(`\\b${dotted.split('.').map(escape).join('\\s*\\.\\s*')}\\s*\\(`).exec(source);
    if (found) return at(found.index);
  }
  const filter = /filter not found: (\w+)/.exec(raw);
  if (filter) {
    const found = new RegExp(`\\|\\s*(${escape(filter[1]!)})\\b`).exec(source);
    if (found) return { ...at(found.index + found[0].length - filter[1]!.length), hint: "check the filter's name" };
  }
  return diagnostic;
}
