/**
 * Teaches nunjucks the Jinja2 dialect dbt projects and packages are written in: trailing commas,
 * `*args`/`**kwargs` in calls, `varargs`/`kwargs` in macros, expression dict keys, tuples, `namespace()`
 * with `{% set ns.x = … %}`, `{% set a, b = … %}`, `{% break %}`/`{% continue %}`, `{% do %}`,
 * `{% with %}`, loop filters, `is` tests with bare arguments, slices, Python string escapes, Python
 * truthiness, methods and operators, `return()` in macros.
 *
 * Every change to nunjucks is installed from here, and lives in the jinja-* modules beside it: the
 * lexer and parser in jinja-parser.ts, code generation in jinja-compiler.ts, the runtime in
 * jinja-runtime.ts, filters and tests in jinja-filters.ts (Python semantics in python-methods.ts). The
 * patches are made once per process, at install; a render does no extra work beyond the helpers its
 * compiled code calls.
 */
import { keepFunctionMembers } from './dbt-context/function-members.js';
import { JINJA_FILTERS, JINJA_TESTS } from './jinja-filters.js';
import { patchCompiler } from './jinja-compiler.js';
import { defineNodes, patchParser } from './jinja-parser.js';
import { patchRuntime } from './jinja-runtime.js';
import { isMapping } from './python-values.js';

export { MACRO_ERROR_POSITION, MacroReturn } from './jinja-runtime.js';

/** The parts of the nunjucks module this file extends (its internals have no published types). */
export interface NunjucksInternals {
  runtime: any;
  nodes: any;
  lexer: any;
  parser: { Parser: any };
  compiler: { Compiler: any };
}

/** The part of a nunjucks Environment the dialect registers things on. */
export interface DialectEnvironment {
  addFilter(name: string, filter: (...args: any[]) => unknown): unknown;
  addTest(name: string, test: (...args: any[]) => unknown): unknown;
  addGlobal(name: string, value: unknown): unknown;
  addExtension(name: string, extension: unknown): unknown;
}

/** `{% do expr %}`: evaluates an expression for its effect (`{% do cols.append(c) %}`). */
class DoExtension {
  tags = ['do'];
  parse(parser: any, nodes: any) {
    const token = parser.nextToken();
    const args = parser.parseSignature(null, true);
    parser.advanceAfterBlockEnd(token.value);
    return new nodes.CallExtension(this, 'run', args);
  }
  run(): string {
    return '';
  }
}

/**
 * `namespace(a=1)`: an object whose attributes `{% set ns.a = … %}` may change from inside loops; also
 * `dict(other, k=v)` and `dict([('k', v)])`.
 */
function namespace(...args: unknown[]): Record<string, unknown> {
  const ns: Record<string, unknown> = {};
  for (const arg of args) {
    const entries = Array.isArray(arg) ? (arg as Array<[string, unknown]>) : isMapping(arg) ? Object.entries(arg) : [];
    for (const [key, value] of entries) if (key !== '__keywords') ns[key] = value;
  }
  return ns;
}

const installed = new WeakSet<object>();

/**
 * Installs the dialect: the parser, compiler and runtime patches once per nunjucks module, then the
 * Jinja filters, tests, globals and the `do` tag on `env`.
 *
 * @example
 * const env = new nunjucks.Environment(null, { autoescape: false });
 * installJinjaDialect(nunjucks, env);
 * env.renderString("{{ 'a,b'.split(',')[-1] }}", {}); // 'b'
 */
export function installJinjaDialect(nunjucks: object, env: DialectEnvironment): void {
  if (!installed.has(nunjucks)) {
    installed.add(nunjucks);
    const internals = nunjucks as unknown as NunjucksInternals;
    const dialectNodes = defineNodes(internals.nodes);
    patchParser(internals, dialectNodes);
    patchCompiler(internals, dialectNodes);
    patchRuntime(internals.runtime);
    // Last, over the dialect's memberLookup: `modules.datetime.datetime.now` keeps its members.
    keepFunctionMembers(internals.runtime as unknown as Parameters<typeof keepFunctionMembers>[0]);
  }
  for (const [name, filter] of Object.entries(JINJA_FILTERS)) env.addFilter(name, filter);
  for (const [name, test] of Object.entries(JINJA_TESTS)) env.addTest(name, test);
  env.addGlobal('namespace', namespace);
  env.addGlobal('dict', namespace);
  env.addExtension('do', new DoExtension());
}
