/**
 * Jinja2's filters and `is` tests where nunjucks has none or means something else, with Jinja's
 * keyword arguments (`sort(attribute='name', reverse=true)`, `map(attribute='x')`,
 * `selectattr('kind', 'equalto', 'a')`). Filters are called with the template context as `this`, which
 * reaches the environment's other filters and tests by name.
 */
import { methodOf } from './python-methods.js';
import { isMapping, pyEq, pyRepr, pyStr, percentFormat, splitArgs } from './python-values.js';

type Context = { env: { getFilter(name: string): Function; getTest(name: string): Function } };
type Filter = (this: Context, value: any, ...args: any[]) => unknown;

const isText = (value: unknown): value is string | String => typeof value === 'string' || value instanceof String;

function toList(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (isText(value)) return [...String(value)];
  if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(value as Iterable<unknown>);
  if (typeof value === 'object') return Object.keys(value);
  return [value];
}

/** `attribute='a.b.0'`: a dotted path of attributes or integer indexes. */
function attributeOf(item: unknown, path: unknown): unknown {
  if (typeof path === 'number') return (item as any)?.[path];
  let value: any = item;
  for (const part of String(path).split('.')) {
    if (value === null || value === undefined) return undefined;
    value = value[/^\d+$/.test(part) ? Number(part) : part];
  }
  return value;
}

/** Python's ordering of two values, strings compared case-insensitively unless asked. */
function compareValues(a: any, b: any, caseSensitive: boolean): number {
  if (!caseSensitive) {
    if (isText(a)) a = String(a).toLowerCase();
    if (isText(b)) b = String(b).toLowerCase();
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const order = compareValues(a[i], b[i], caseSensitive);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function isFalsy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isMapping(value) && !(value instanceof String)) return Object.keys(value).length === 0;
  return !value || (value instanceof String && value.length === 0);
}

/** json.dumps(sort_keys=True) with Jinja's HTML-safe escapes. */
function toJson(value: unknown, indent: number | undefined, depth = 0): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof String) value = String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  const entries: string[] = Array.isArray(value)
    ? value.map((item) => toJson(item, indent, depth + 1))
    : Object.keys(value as object)
        .filter((key) => key !== '__keywords' && (value as any)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}: ${toJson((value as any)[key], indent, depth + 1)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  if (indent === undefined) return open + entries.join(', ') + close;
  const pad = (n: number) => '\n' + ' '.repeat(indent * n);
  return open + pad(depth + 1) + entries.join(',' + pad(depth + 1)) + pad(depth) + close;
}

function withKeywords(names: string[], fn: (value: any, options: Record<string, any>, context: Context) => unknown): Filter {
  return function (this: Context, value: any, ...args: any[]) {
    const { positional, keywords } = splitArgs(args);
    const options: Record<string, any> = {};
    names.forEach((name, i) => {
      options[name] = Object.prototype.hasOwnProperty.call(keywords, name) ? keywords[name] : positional[i];
    });
    return fn(value, options, this);
  };
}

function selectBy(keep: boolean, byAttribute: boolean): Filter {
  return function (this: Context, value: unknown, ...args: unknown[]) {
    const { positional } = splitArgs(args);
    const attribute = byAttribute ? positional.shift() : undefined;
    const [testName, ...testArgs] = positional as [string | undefined, ...unknown[]];
    const test = testName === undefined ? undefined : this.env.getTest(testName);
    return toList(value).filter((item) => {
      const subject = byAttribute ? attributeOf(item, attribute) : item;
      const passed = test ? test.call(this, subject, ...testArgs) === true : !isFalsy(subject);
      return passed === keep;
    });
  };
}

function sortedBy(items: unknown[], attribute: unknown, caseSensitive: boolean, reverse: boolean): unknown[] {
  const key = (item: unknown) => (attribute === undefined || attribute === null ? item : attributeOf(item, attribute));
  const sorted = items.slice().sort((a, b) => compareValues(key(a), key(b), caseSensitive));
  return reverse ? sorted.reverse() : sorted;
}

function pick(extreme: 1 | -1): Filter {
  return withKeywords(['case_sensitive', 'attribute'], (value, o) => {
    const items = sortedBy(toList(value), o.attribute, !!o.case_sensitive, false);
    return items.length === 0 ? undefined : extreme === 1 ? items[items.length - 1] : items[0];
  });
}

function toInt(value: unknown, fallback: number, base = 10): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : fallback;
  if (typeof value === 'boolean') return value ? 1 : 0;
  const text = String(value ?? '').trim().replace(/_/g, '');
  if (base !== 10) {
    const parsed = parseInt(text.replace(/^0[xob]/i, ''), base);
    return Number.isNaN(parsed) ? fallback : parsed;
  }
  if (/^[-+]?\d+$/.test(text)) return parseInt(text, 10);
  const float = Number(text);
  return text !== '' && Number.isFinite(float) ? Math.trunc(float) : fallback;
}

/**
 * Python's round(): the decimal nearest the exact binary value (2.675 is 2.67499… and rounds down),
 * exact halves to the even neighbour (round(2.5) is 2).
 */
function pyRound(value: number, precision: number): number {
  if (!Number.isFinite(value) || precision < 0 || precision > 40) {
    const factor = 10 ** precision;
    return Math.round(value * factor) / factor;
  }
  const magnitude = Math.abs(value);
  const exact = magnitude.toFixed(Math.min(100, precision + 60));
  const cut = exact.indexOf('.') + 1 + precision;
  const isHalf = /^50*$/.test(exact.slice(cut));
  const lastDigit = Number(exact.charAt(precision === 0 ? cut - 2 : cut - 1));
  const rounded = isHalf && lastDigit % 2 === 0 ? Number(exact.slice(0, cut)) : Number(magnitude.toFixed(precision));
  return value < 0 ? -rounded : rounded;
}

export const JINJA_FILTERS: Record<string, Filter> = {
  tojson: withKeywords(['indent'], (value, o) => toJson(value, o.indent === undefined || o.indent === null ? undefined : Number(o.indent))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/'/g, '\\u0027')),
  map(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    const items = toList(value);
    if (keywords.attribute !== undefined) {
      return items.map((item) => {
        const found = attributeOf(item, keywords.attribute);
        return found === undefined ? keywords.default : found;
      });
    }
    const [name, ...filterArgs] = positional as [string, ...unknown[]];
    const filter = this.env.getFilter(name);
    const rest = Object.keys(keywords).length > 0 ? [...filterArgs, { ...keywords, __keywords: true }] : filterArgs;
    return items.map((item) => filter.call(this, item, ...rest));
  },
  select: selectBy(true, false),
  reject: selectBy(false, false),
  selectattr: selectBy(true, true),
  rejectattr: selectBy(false, true),
  unique: withKeywords(['case_sensitive', 'attribute'], (value, o) => {
    const seen: unknown[] = [];
    const kept: unknown[] = [];
    for (const item of toList(value)) {
      let key = o.attribute === undefined || o.attribute === null ? item : attributeOf(item, o.attribute);
      if (!o.case_sensitive && isText(key)) key = String(key).toLowerCase();
      if (!seen.some((s) => pyEq(s, key))) {
        seen.push(key);
        kept.push(item);
      }
    }
    return kept;
  }),
  items: (value) => (value === undefined || value === null ? [] : isMapping(value) ? Object.entries(value) : toList(value)),
  list: (value) => toList(value),
  string: (value) => (value === undefined ? '' : isText(value) ? String(value) : pyStr(value)),
  int: withKeywords(['default', 'base'], (value, o) => toInt(value, o.default ?? 0, o.base ?? 10)),
  float: withKeywords(['default'], (value, o) => {
    if (typeof value === 'boolean') return value ? 1 : 0;
    const parsed = typeof value === 'number' ? value : String(value ?? '').trim() === '' ? NaN : Number(String(value).trim());
    return Number.isNaN(parsed) ? (o.default ?? 0) : parsed;
  }),
  default: withKeywords(['default_value', 'boolean'], (value, o) =>
    value === undefined || (o.boolean && isFalsy(value)) ? (o.default_value ?? '') : value),
  first: (value) => toList(value)[0],
  last: (value) => {
    const items = toList(value);
    return items[items.length - 1];
  },
  min: pick(-1),
  max: pick(1),
  sum: withKeywords(['attribute', 'start'], (value, o) =>
    toList(value).reduce((total: any, item) => total + (o.attribute === undefined ? item : attributeOf(item, o.attribute)), o.start ?? 0)),
  join: withKeywords(['d', 'attribute'], (value, o) =>
    toList(value)
      .map((item) => (o.attribute === undefined || o.attribute === null ? item : attributeOf(item, o.attribute)))
      .map((item) => (item === undefined ? '' : isText(item) ? String(item) : pyStr(item)))
      .join(o.d ?? '')),
  dictsort: withKeywords(['case_sensitive', 'by', 'reverse'], (value, o) => {
    const at = o.by === 'value' ? 1 : 0;
    const pairs = Object.entries(value ?? {});
    pairs.sort((a, b) => compareValues(a[at], b[at], !!o.case_sensitive));
    return o.reverse ? pairs.reverse() : pairs;
  }),
  sort: withKeywords(['reverse', 'case_sensitive', 'attribute'], (value, o) => sortedBy(toList(value), o.attribute, !!o.case_sensitive, !!o.reverse)),
  groupby: withKeywords(['attribute', 'default', 'case_sensitive'], (value, o) => {
    const groups: Array<[unknown, unknown[]]> = [];
    for (const item of sortedBy(toList(value), o.attribute, !!o.case_sensitive, false)) {
      const found = attributeOf(item, o.attribute);
      const key = found === undefined ? o.default : found;
      const group = groups.find(([k]) => pyEq(k, key));
      if (group) group[1].push(item);
      else groups.push([key, [item]]);
    }
    return groups.map((group) => Object.assign(group, { grouper: group[0], list: group[1] }));
  }),
  count: (value) => (value === null || value === undefined ? 0 : isMapping(value) && !(value instanceof String) ? Object.keys(value).length : toList(value).length),
  trim: withKeywords(['chars'], (value, o) => {
    const text = String(value ?? '');
    if (o.chars === undefined || o.chars === null) return text.trim();
    let start = 0;
    let end = text.length;
    while (start < end && String(o.chars).includes(text[start]!)) start++;
    while (end > start && String(o.chars).includes(text[end - 1]!)) end--;
    return text.slice(start, end);
  }),
  truncate: withKeywords(['length', 'killwords', 'end', 'leeway'], (value, o) => {
    const text = String(value ?? '');
    const length = o.length ?? 255;
    const end = o.end ?? '...';
    if (text.length <= length + (o.leeway ?? 5)) return text;
    if (o.killwords) return text.slice(0, length - end.length) + end;
    const cut = text.slice(0, length - end.length);
    const space = cut.lastIndexOf(' ');
    return (space >= 0 ? cut.slice(0, space) : cut) + end;
  }),
  indent: withKeywords(['width', 'first', 'blank'], (value, o) => {
    const pad = typeof o.width === 'string' ? o.width : ' '.repeat(o.width ?? 4);
    return String(value ?? '')
      .split('\n')
      .map((line, i) => ((i === 0 && !o.first) || (line.trim() === '' && !o.blank) ? line : pad + line))
      .join('\n');
  }),
  center: withKeywords(['width'], (value, o) => methodOf(String(value ?? ''), 'center')!(o.width ?? 80)),
  format(value, ...args) {
    const { positional, keywords } = splitArgs(args);
    return percentFormat(String(value), Object.keys(keywords).length > 0 ? keywords : positional);
  },
  round: withKeywords(['precision', 'method'], (value, o) => {
    const precision = o.precision ?? 0;
    const factor = 10 ** precision;
    if (o.method === 'ceil') return Math.ceil(value * factor) / factor;
    if (o.method === 'floor') return Math.floor(value * factor) / factor;
    return pyRound(Number(value), precision);
  }),
  attr: (value, name) => (value === null || value === undefined ? undefined : value[name]),
  pprint: (value) => pyRepr(value),
};
JINJA_FILTERS.d = JINJA_FILTERS.default!;

const isInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value);

function pyIn(value: unknown, container: unknown): boolean {
  if (container === null || container === undefined) return false;
  if (isText(container)) return String(container).includes(String(value));
  if (Array.isArray(container)) return container.some((item) => pyEq(item, value));
  if (container instanceof Set || container instanceof Map) return container.has(value);
  return typeof container === 'object' && Object.prototype.hasOwnProperty.call(container, String(value));
}

export const JINJA_TESTS: Record<string, (value: any, ...args: any[]) => boolean> = {
  // A JavaScript function answering undefined stands for Python's None, so both count as none.
  none: (value) => value === null || value === undefined,
  defined: (value) => value !== undefined,
  undefined: (value) => value === undefined,
  string: (value) => isText(value),
  number: (value) => typeof value === 'number',
  integer: isInteger,
  float: (value) => typeof value === 'number' && !Number.isInteger(value),
  boolean: (value) => typeof value === 'boolean',
  true: (value) => value === true,
  false: (value) => value === false,
  mapping: (value) => isMapping(value),
  iterable: (value) => isText(value) || (typeof value === 'object' && value !== null),
  sequence: (value) => isText(value) || Array.isArray(value) || isMapping(value),
  callable: (value) => typeof value === 'function',
  in: pyIn,
  divisibleby: (value, n) => value % n === 0,
  even: (value) => isInteger(value) && value % 2 === 0,
  odd: (value) => isInteger(value) && Math.abs(value % 2) === 1,
  eq: (a, b) => pyEq(a, b),
  ne: (a, b) => !pyEq(a, b),
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  sameas: (a, b) => a === b,
  lower: (value) => isText(value) && /\p{L}/u.test(String(value)) && String(value) === String(value).toLowerCase(),
  upper: (value) => isText(value) && /\p{L}/u.test(String(value)) && String(value) === String(value).toUpperCase(),
};
Object.assign(JINJA_TESTS, {
  equalto: JINJA_TESTS.eq,
  '==': JINJA_TESTS.eq,
  '!=': JINJA_TESTS.ne,
  lessthan: JINJA_TESTS.lt,
  '<': JINJA_TESTS.lt,
  '<=': JINJA_TESTS.le,
  greaterthan: JINJA_TESTS.gt,
  '>': JINJA_TESTS.gt,
  '>=': JINJA_TESTS.ge,
});
