import { parse as parseYaml } from 'yaml';
import { StrataError } from '../diagnostics/strata-error.js';

export interface ConfigRenderContext {
  env: NodeJS.ProcessEnv;
  vars: Record<string, unknown>;
  /** Named in errors. */
  file: string;
  line?: number;
  column?: number;
}

const EXPRESSION = /\{\{-?([\s\S]*?)-?\}\}/g;

/** The filters dbt documents for configuration (`as_*`) and a few plain Jinja ones. */
const FILTERS: Record<string, (value: unknown, context: ConfigRenderContext, text: string) => unknown> = {
  as_number: (value, context, text) => {
    const number = typeof value === 'number' ? value : Number(String(value).trim());
    if (String(value).trim() === '' || Number.isNaN(number)) fail(context, `'${String(value)}' is not a number (as_number)`, text);
    return number;
  },
  as_bool: (value, context, text) => {
    if (typeof value === 'boolean') return value;
    const word = String(value).trim().toLowerCase();
    if (word === 'true' || word === '1') return true;
    if (word === 'false' || word === '0') return false;
    return fail(context, `'${String(value)}' is not true or false (as_bool)`, text);
  },
  as_text: (value) => text(value),
  as_native: (value) => {
    if (typeof value !== 'string') return value;
    try {
      return parseYaml(value) ?? value;
    } catch {
      return value;
    }
  },
  string: (value) => text(value),
  int: (value) => Math.trunc(Number(value)) || 0,
  float: (value) => Number(value) || 0,
  trim: (value) => text(value).trim(),
  lower: (value) => text(value).toLowerCase(),
  upper: (value) => text(value).toUpperCase(),
};

const UNSUPPORTED = `only env_var(), var(), literals and the filters ${Object.keys(FILTERS).join(', ')} can be used in configuration values`;

/** Filters whose result keeps its type when the expression is the whole value. */
const NATIVE_FILTERS = new Set(['as_number', 'as_bool', 'as_native', 'int', 'float']);

/**
 * Renders the small templating allowed in configuration values (dbt_project.yml, profiles.yml,
 * targets): `{{ env_var('X', 'default') }}`, `{{ var('x', 'default') }}` and string, number or boolean
 * literals, each followed by any of the filters `as_number`, `as_bool`, `as_text`, `as_native` (and
 * `string`, `int`, `float`, `trim`, `lower`, `upper`). A value that is one expression ending in
 * `as_number`, `as_bool` or `as_native` keeps the type; otherwise the result is text. No template engine
 * is needed, so loading a project never loads the model renderer.
 *
 * @example
 *   renderConfigValue("{{ env_var('POSTGRES_PORT') | as_number }}", { env: { POSTGRES_PORT: '5432' }, vars: {}, file: 'profiles.yml' }) // 5432
 *   renderConfigValue("host-{{ var('n', 1) }}", { env: {}, vars: {}, file: 'project.yml' }) // 'host-1'
 */
export function renderConfigValue(source: string, context: ConfigRenderContext): unknown {
  if (source.includes('{%') || source.includes('{#')) fail(context, 'only {{ ... }} expressions can be used in configuration values', source);
  if (!source.includes('{{')) return source;
  const whole = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/.exec(source);
  if (whole && !whole[1].includes('}}')) {
    const { value, lastFilter } = evaluate(whole[1], context, source);
    return lastFilter && NATIVE_FILTERS.has(lastFilter) ? value : text(value);
  }
  return source.replace(EXPRESSION, (_match, body: string) => text(evaluate(body, context, source).value));
}

/**
 * `renderConfigValue` for values that must be text.
 *
 * @example renderConfigString("{{ env_var('PGURL') }}", { env: process.env, vars: {}, file: 'project.yml' })
 */
export function renderConfigString(source: string, context: ConfigRenderContext): string {
  return text(renderConfigValue(source, context));
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

type Token = { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'punct'; value: string };

function tokenize(body: string, context: ConfigRenderContext, source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([(),|=]))/y;
  let index = 0;
  while (index < body.length) {
    if (/^\s*$/.test(body.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(body);
    if (!match) fail(context, UNSUPPORTED, source);
    index = pattern.lastIndex;
    if (match[1] !== undefined || match[2] !== undefined) tokens.push({ kind: 'string', value: (match[1] ?? match[2]).replace(/\\(.)/g, '$1') });
    else if (match[3] !== undefined) tokens.push({ kind: 'number', value: Number(match[3]) });
    else if (match[4] !== undefined) tokens.push({ kind: 'name', value: match[4] });
    else tokens.push({ kind: 'punct', value: match[5] });
  }
  return tokens;
}

function evaluate(body: string, context: ConfigRenderContext, source: string): { value: unknown; lastFilter?: string } {
  const tokens = tokenize(body, context, source);
  let position = 0;
  const peek = () => tokens[position];
  const unsupported = (): never => fail(context, UNSUPPORTED, source);
  const literal = (): unknown => {
    const token = tokens[position++];
    if (!token) return unsupported();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'name' && ['true', 'True'].includes(token.value)) return true;
    if (token.kind === 'name' && ['false', 'False'].includes(token.value)) return false;
    if (token.kind === 'name' && ['none', 'None'].includes(token.value)) return null;
    return unsupported();
  };
  const argumentsList = (): unknown[] => {
    const args: unknown[] = [];
    if (peek()?.value !== '(') return args;
    position++;
    while (peek() && peek().value !== ')') {
      args.push(literal());
      if (peek()?.value === ',') position++;
    }
    if (tokens[position++]?.value !== ')') unsupported();
    return args;
  };

  let value: unknown;
  const head = peek();
  if (head?.kind === 'name' && (head.value === 'env_var' || head.value === 'var')) {
    position++;
    const args = argumentsList();
    const name = args[0];
    if (typeof name !== 'string') return unsupported();
    const found = head.value === 'env_var' ? context.env[name] : context.vars[name];
    if (found !== undefined && found !== null) value = found;
    else if (args.length > 1) value = args[1];
    else {
      throw new StrataError({
        code: 'STR105',
        message: `${head.value === 'env_var' ? 'environment variable' : 'var'} '${name}' is not set`,
        file: context.file,
        line: context.line,
        column: context.column,
        hint: head.value === 'env_var' ? `export ${name}=... or give a default: env_var('${name}', '...')` : `pass --vars '{${name}: ...}'`,
      });
    }
  } else {
    value = literal();
  }
  let lastFilter: string | undefined;
  while (peek()?.value === '|') {
    position++;
    const filter = tokens[position++];
    const filterName = filter?.kind === 'name' ? filter.value : undefined;
    const apply = filterName === undefined ? undefined : FILTERS[filterName];
    if (!apply) return unsupported();
    argumentsList();
    value = apply(value, context, source);
    lastFilter = filterName;
  }
  if (position < tokens.length) unsupported();
  return { value, lastFilter };
}

function fail(context: ConfigRenderContext, message: string, source: string): never {
  throw new StrataError({ code: 'STR106', message: `${message}: ${source}`, file: context.file, line: context.line, column: context.column, hint: "write a literal, or use env_var('NAME') or var('name')" });
}
