/**
 * Python's str, list and dict methods, and the Python meaning of a few operators, as dbt code uses them
 * in templates (`name.split('.')[-1]`, `cols.append(c)`, `'%s.%s' % (schema, name)`). Attribute lookups
 * in templates reach these through `methodOf`; methods that mutate in Python mutate the real object here.
 */

type Method = (this: any, ...args: any[]) => unknown;

/** Splits a call's arguments into positional ones and the trailing `{__keywords: true}` object. */
export function splitArgs(args: unknown[]): { positional: any[]; keywords: Record<string, any> } {
  const last = args[args.length - 1] as Record<string, unknown> | null | undefined;
  if (last && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords')) {
    const keywords: Record<string, any> = {};
    for (const key of Object.keys(last)) if (key !== '__keywords') keywords[key] = last[key];
    return { positional: args.slice(0, -1), keywords };
  }
  return { positional: args, keywords: {} };
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof String);
}

/** `repr()` of a value, as Python prints lists and dicts (`['a', 1, None]`). */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(value);
}

/**
 * True for a list, or a dict that is plain data (not an object with its own `toString`, such as
 * `run_started_at`): the values Python prints in its own notation.
 */
export function printsAsPython(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  return Object.getPrototypeOf(value) === Object.prototype && (value as object).toString === Object.prototype.toString;
}

/** `str()` of a value: None, True and False spelled as Python does, lists and dicts in Python's form. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (printsAsPython(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Python's truth of a value: empty lists, dicts and strings (macro output too) are false. */
export function pyTruthy(value: unknown): boolean {
  if (!value) return false;
  if (typeof value !== 'object') return true;
  if (Array.isArray(value) || value instanceof String) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const _key in value) return true;
    return false;
  }
  return true;
}

/** Python's `==`: lists and dicts compare by value; other values as nunjucks always compared them. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a !== null && typeof a === 'object' && typeof (a as { __eq__?: unknown }).__eq__ === 'function') {
    const equal = (a as { __eq__(other: unknown): unknown }).__eq__(b);
    if (typeof equal === 'boolean') return equal;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    // eslint-disable-next-line eqeqeq
    return a == b;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => pyEq(item, b[i]));
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && pyEq((a as any)[k], (b as any)[k]));
}

function pyCompare(a: any, b: any): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Python index (negative counts from the end) clamped for slicing. */
function sliceBound(index: number | null | undefined, length: number, fallback: number, step: number): number {
  if (index === null || index === undefined) return fallback;
  if (index < 0) index += length;
  if (step > 0) return Math.min(Math.max(index, 0), length);
  return Math.min(Math.max(index, -1), length - 1);
}

/** `x[start:stop:step]` on a string or list. */
export function pySlice(value: unknown, start: number | null, stop: number | null, step: number | null): unknown {
  if (value === null || value === undefined) return value;
  if (value instanceof String) value = String(value);
  const items: any = typeof value === 'string' ? value : Array.isArray(value) ? value : Array.from(value as Iterable<unknown>);
  const by = step ?? 1;
  if (by === 0) throw new Error('slice step cannot be zero');
  const length = items.length;
  const from = sliceBound(start, length, by > 0 ? 0 : length - 1, by);
  const to = sliceBound(stop, length, by > 0 ? length : -1, by);
  if (by === 1) return items.slice(from, Math.max(from, to));
  const picked: unknown[] = [];
  for (let i = from; by > 0 ? i < to : i > to; i += by) picked.push(items[i]);
  return typeof value === 'string' ? picked.join('') : picked;
}

/** Python's `%`: string formatting on strings, modulo with the divisor's sign on numbers. */
export function pyMod(a: any, b: any): unknown {
  if (typeof a === 'string') return percentFormat(a, b);
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

/**
 * Python's binary operator protocol for objects that define it (`modules.datetime`'s dates, times and
 * timedeltas): `a.__op__(b)`, else `b.__rop__(a)`; undefined when neither applies.
 */
function dunder(a: any, b: any, op: string): { value: unknown } | undefined {
  if (a !== null && typeof a === 'object' && typeof a[`__${op}__`] === 'function') {
    const value = a[`__${op}__`](b);
    if (value !== undefined && value !== NOT_IMPLEMENTED) return { value };
  }
  if (b !== null && typeof b === 'object' && typeof b[`__r${op}__`] === 'function') {
    const value = b[`__r${op}__`](a);
    if (value !== undefined && value !== NOT_IMPLEMENTED) return { value };
  }
  return undefined;
}

/** What a `__op__` method returns for an operand it does not handle, as Python's NotImplemented. */
export const NOT_IMPLEMENTED = Symbol.for('strata.NotImplemented');

/** Python's `+`: lists concatenate; objects with `__add__`/`__radd__` add themselves. */
export function pyAdd(a: any, b: any): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return a.concat(b);
  if ((typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) {
    const result = dunder(a, b, 'add');
    if (result) return result.value;
  }
  return a + b;
}

/** Python's `-`: objects with `__sub__`/`__rsub__` (a datetime minus a timedelta) subtract themselves. */
export function pySub(a: any, b: any): unknown {
  if ((typeof a === 'object' && a !== null) || (typeof b === 'object' && b !== null)) {
    const result = dunder(a, b, 'sub');
    if (result) return result.value;
  }
  return a - b;
}

/** Python's `*`: a string or list times an integer repeats it. */
export function pyMul(a: any, b: any): unknown {
  if (typeof a === 'string' && typeof b === 'number') return a.repeat(Math.max(0, b));
  if (typeof b === 'string' && typeof a === 'number') return b.repeat(Math.max(0, a));
  if (Array.isArray(a) && typeof b === 'number') return Array.from({ length: Math.max(0, b) }, () => a).flat();
  return a * b;
}

/** A value as `{{ }}` prints it: undefined and None as nothing, lists and dicts as Python shows them. */
function printed(value: unknown): string {
  if (value === undefined || value === null) return '';
  return printsAsPython(value) ? pyStr(value) : String(value);
}

/** `a ~ b`: both sides as `{{ }}` prints them. */
export function pyConcat(a: unknown, b: unknown): string {
  return printed(a) + printed(b);
}

function formatNumber(value: number, spec: { precision?: number; type: string; sign: boolean }): string {
  let text: string;
  switch (spec.type) {
    case 'd': case 'i': text = String(Math.trunc(value)); break;
    case 'f': case 'F': text = value.toFixed(spec.precision ?? 6); break;
    case 'e': case 'E': text = value.toExponential(spec.precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2'); break;
    case '%': text = `${(value * 100).toFixed(spec.precision ?? 6)}%`; break;
    default: text = spec.precision !== undefined ? value.toPrecision(spec.precision) : String(value);
  }
  if (spec.type === 'E') text = text.toUpperCase();
  return spec.sign && value >= 0 ? `+${text}` : text;
}

/** `'%s is %d' % (a, b)` and `'%(name)s' % {'name': x}`. */
export function percentFormat(format: string, values: unknown): string {
  const list = Array.isArray(values) ? values : [values];
  let next = 0;
  return format.replace(/%(\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdirfFeEgGxXo%])/g, (_m, _k, key, flags, width, precision, type) => {
    if (type === '%') return '%';
    const value = key !== undefined ? (values as Record<string, unknown>)[key] : list[next++];
    let text: string;
    if (type === 's') text = pyStr(value);
    else if (type === 'r') text = pyRepr(value);
    else if (type === 'x' || type === 'X' || type === 'o') {
      text = Math.trunc(Number(value)).toString(type === 'o' ? 8 : 16);
      if (type === 'X') text = text.toUpperCase();
    } else {
      text = formatNumber(Number(value), { precision: precision === undefined ? undefined : Number(precision), type, sign: flags.includes('+') });
    }
    const w = width ? Number(width) : 0;
    if (text.length >= w) return text;
    if (flags.includes('-')) return text.padEnd(w);
    return flags.includes('0') && type !== 's' ? text.padStart(w, '0') : text.padStart(w);
  });
}

/** `'{} {name:>8}'.format(a, name=b)`: positional, numbered and named fields with a simple format spec. */
export function braceFormat(format: string, positional: unknown[], named: Record<string, unknown>): string {
  let next = 0;
  return format.replace(/\{\{|\}\}|\{([^{}:!]*)(?:![rs])?(?::([^{}]*))?\}/g, (match, field: string | undefined, spec: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const [head, ...path] = (field ?? '').split('.');
    let value: any = head === '' ? positional[next++] : /^\d+$/.test(head!) ? positional[Number(head)] : named[head!];
    for (const part of path) value = value?.[part];
    if (!spec) return pyStr(value);
    const parsed = /^(?:(.)?([<>^=]))?([+\- ])?(0)?(\d+)?(,)?(?:\.(\d+))?([sdfFeE%gn])?$/.exec(spec);
    if (!parsed) return pyStr(value);
    const [, fill = ' ', align, sign, zero, width, comma, precision, type] = parsed;
    let text = typeof value === 'number'
      ? formatNumber(value, { precision: precision === undefined ? undefined : Number(precision), type: type ?? '', sign: sign === '+' })
      : pyStr(value);
    if (comma) text = text.replace(/^(-?\d+)/, (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    const w = width ? Number(width) : 0;
    if (text.length >= w) return text;
    const how = align ?? (typeof value === 'number' ? '>' : '<');
    const pad = zero && !align ? '0' : fill;
    if (how === '<') return text.padEnd(w, pad);
    if (how === '^') {
      const left = Math.floor((w - text.length) / 2);
      return text.padStart(text.length + left, pad).padEnd(w, pad);
    }
    return text.padStart(w, pad);
  });
}

function stripChars(text: string, chars: string | null | undefined, left: boolean, right: boolean): string {
  if (chars === null || chars === undefined) {
    return left && right ? text.trim() : left ? text.trimStart() : text.trimEnd();
  }
  let start = 0;
  let end = text.length;
  if (left) while (start < end && chars.includes(text[start]!)) start++;
  if (right) while (end > start && chars.includes(text[end - 1]!)) end--;
  return text.slice(start, end);
}

function splitString(text: string, sep: string | null | undefined, maxsplit: number): string[] {
  if (sep === null || sep === undefined) {
    const parts: string[] = [];
    let rest = text.trimStart();
    while (rest !== '') {
      if (maxsplit >= 0 && parts.length === maxsplit) {
        parts.push(rest);
        break;
      }
      const match = /\s+/.exec(rest);
      if (!match) {
        parts.push(rest);
        break;
      }
      parts.push(rest.slice(0, match.index));
      rest = rest.slice(match.index + match[0].length);
    }
    return parts;
  }
  if (sep === '') throw new Error('ValueError: empty separator');
  const parts = text.split(sep);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(sep)];
}

const reverse = (text: string) => [...text].reverse().join('');

function splitCall(self: string, args: unknown[], fromRight: boolean): string[] {
  const { positional, keywords } = splitArgs(args);
  const sep = (keywords.sep ?? positional[0]) as string | null | undefined;
  const maxsplit = Number(keywords.maxsplit ?? positional[1] ?? -1);
  if (!fromRight || maxsplit < 0) return splitString(self, sep, maxsplit);
  // Splitting from the right is splitting the reversed text from the left.
  return splitString(reverse(self), sep === null || sep === undefined ? sep : reverse(sep), maxsplit).map(reverse).reverse();
}

function affixTest(self: string, affix: unknown, test: (s: string, a: string) => boolean): boolean {
  return Array.isArray(affix) ? affix.some((a) => test(self, String(a))) : test(self, String(affix));
}

function indexOrThrow(found: number): number {
  if (found < 0) throw new Error('ValueError: substring not found');
  return found;
}

const STRING_METHODS = new Map<string, Method>(Object.entries({
  lower(this: string) { return this.toLowerCase(); },
  upper(this: string) { return this.toUpperCase(); },
  casefold(this: string) { return this.toLowerCase(); },
  swapcase(this: string) { return [...this].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''); },
  strip(this: string, chars?: string | null) { return stripChars(this, chars, true, true); },
  lstrip(this: string, chars?: string | null) { return stripChars(this, chars, true, false); },
  rstrip(this: string, chars?: string | null) { return stripChars(this, chars, false, true); },
  split(this: string, ...args: unknown[]) { return splitCall(this, args, false); },
  rsplit(this: string, ...args: unknown[]) { return splitCall(this, args, true); },
  splitlines(this: string) { return this.split(/\r\n|\r|\n/).filter((line, i, all) => i < all.length - 1 || line !== ''); },
  replace(this: string, old: string, replacement: string, count?: number) {
    const parts = this.split(String(old));
    const n = count === undefined || count < 0 ? parts.length - 1 : Math.min(count, parts.length - 1);
    return parts.slice(0, n + 1).join(String(replacement)) + (n < parts.length - 1 ? String(old) + parts.slice(n + 1).join(String(old)) : '');
  },
  startswith(this: string, prefix: unknown) { return affixTest(this, prefix, (s, a) => s.startsWith(a)); },
  endswith(this: string, suffix: unknown) { return affixTest(this, suffix, (s, a) => s.endsWith(a)); },
  format(this: string, ...args: unknown[]) {
    const { positional, keywords } = splitArgs(args);
    return braceFormat(this, positional, keywords);
  },
  join(this: string, items: Iterable<unknown>) { return Array.from(items ?? [], (item) => String(item)).join(this); },
  title(this: string) { return this.toLowerCase().replace(/(^|[^A-Za-z0-9'])([a-z])/g, (_m, before: string, c: string) => before + c.toUpperCase()); },
  capitalize(this: string) { return this.charAt(0).toUpperCase() + this.slice(1).toLowerCase(); },
  find(this: string, sub: string) { return this.indexOf(String(sub)); },
  rfind(this: string, sub: string) { return this.lastIndexOf(String(sub)); },
  index(this: string, sub: string) { return indexOrThrow(this.indexOf(String(sub))); },
  rindex(this: string, sub: string) { return indexOrThrow(this.lastIndexOf(String(sub))); },
  count(this: string, sub: string) { return String(sub) === '' ? this.length + 1 : this.split(String(sub)).length - 1; },
  isdigit(this: string) { return /^\d+$/.test(this); },
  isnumeric(this: string) { return /^\d+$/.test(this); },
  isdecimal(this: string) { return /^\d+$/.test(this); },
  isalpha(this: string) { return /^\p{L}+$/u.test(this); },
  isalnum(this: string) { return /^[\p{L}\d]+$/u.test(this); },
  isspace(this: string) { return /^\s+$/.test(this); },
  isupper(this: string) { return /\p{L}/u.test(this) && this === this.toUpperCase(); },
  islower(this: string) { return /\p{L}/u.test(this) && this === this.toLowerCase(); },
  istitle(this: string) { return this !== '' && STRING_METHODS.get('title')!.call(this) === this; },
  zfill(this: string, width: number) {
    const sign = this.startsWith('-') || this.startsWith('+') ? this[0]! : '';
    return sign + this.slice(sign.length).padStart(width - sign.length, '0');
  },
  center(this: string, width: number, fill = ' ') {
    if (this.length >= width) return this;
    const total = width - this.length;
    // Python's rule: an odd padding puts the extra character on the left when the width is odd.
    const left = Math.floor(total / 2) + (total % 2 && width % 2 ? 1 : 0);
    return fill.repeat(left) + this + fill.repeat(total - left);
  },
  ljust(this: string, width: number, fill = ' ') { return this.padEnd(width, fill); },
  rjust(this: string, width: number, fill = ' ') { return this.padStart(width, fill); },
  partition(this: string, sep: string) {
    const at = this.indexOf(sep);
    return at < 0 ? [String(this), '', ''] : [this.slice(0, at), sep, this.slice(at + sep.length)];
  },
  rpartition(this: string, sep: string) {
    const at = this.lastIndexOf(sep);
    return at < 0 ? ['', '', String(this)] : [this.slice(0, at), sep, this.slice(at + sep.length)];
  },
  encode(this: string) { return String(this); },
  decode(this: string) { return String(this); },
}));

function listIndex(list: unknown[], value: unknown): number {
  return list.findIndex((item) => pyEq(item, value));
}

const LIST_METHODS = new Map<string, Method>(Object.entries({
  append(this: unknown[], item: unknown) { this.push(item); return null; },
  extend(this: unknown[], items: Iterable<unknown>) { for (const item of Array.from(items ?? [])) this.push(item); return null; },
  pop(this: unknown[], index?: number) {
    if (this.length === 0) throw new Error('IndexError: pop from empty list');
    const at = index === undefined ? this.length - 1 : index < 0 ? this.length + index : index;
    if (at < 0 || at >= this.length) throw new Error('IndexError: pop index out of range');
    return this.splice(at, 1)[0];
  },
  insert(this: unknown[], index: number, item: unknown) {
    this.splice(index < 0 ? Math.max(0, this.length + index) : index, 0, item);
    return null;
  },
  remove(this: unknown[], item: unknown) {
    const at = listIndex(this, item);
    if (at < 0) throw new Error('ValueError: list.remove(x): x not in list');
    this.splice(at, 1);
    return null;
  },
  index(this: unknown[], item: unknown) {
    const at = listIndex(this, item);
    if (at < 0) throw new Error(`ValueError: ${pyRepr(item)} is not in list`);
    return at;
  },
  count(this: unknown[], item: unknown) { return this.filter((x) => pyEq(x, item)).length; },
  reverse(this: unknown[]) { Array.prototype.reverse.call(this); return null; },
  sort(this: unknown[], ...args: unknown[]) {
    const { keywords } = splitArgs(args);
    const key = typeof keywords.key === 'function' ? (keywords.key as (x: unknown) => unknown) : (x: unknown) => x;
    Array.prototype.sort.call(this, (a, b) => pyCompare(key(a), key(b)));
    if (keywords.reverse) Array.prototype.reverse.call(this);
    return null;
  },
  copy(this: unknown[]) { return this.slice(); },
  clear(this: unknown[]) { this.length = 0; return null; },
}));

const DICT_METHODS = new Map<string, Method>(Object.entries({
  items(this: Record<string, unknown>) { return Object.entries(this); },
  keys(this: Record<string, unknown>) { return Object.keys(this); },
  values(this: Record<string, unknown>) { return Object.values(this); },
  get(this: Record<string, unknown>, key: string, fallback: unknown = null) {
    return Object.prototype.hasOwnProperty.call(this, key) && this[key] !== undefined ? this[key] : fallback;
  },
  has_key(this: Record<string, unknown>, key: string) { return Object.prototype.hasOwnProperty.call(this, key); },
  update(this: Record<string, unknown>, ...args: unknown[]) {
    const { positional, keywords } = splitArgs(args);
    const other = positional[0];
    if (Array.isArray(other)) for (const [k, v] of other) this[k] = v;
    else if (other) Object.assign(this, other);
    Object.assign(this, keywords);
    return null;
  },
  pop(this: Record<string, unknown>, key: string, ...fallback: unknown[]) {
    if (Object.prototype.hasOwnProperty.call(this, key)) {
      const value = this[key];
      delete this[key];
      return value;
    }
    if (fallback.length > 0) return fallback[0];
    throw new Error(`KeyError: ${pyRepr(key)}`);
  },
  popitem(this: Record<string, unknown>) {
    const keys = Object.keys(this);
    if (keys.length === 0) throw new Error('KeyError: popitem(): dictionary is empty');
    const key = keys[keys.length - 1]!;
    const value = this[key];
    delete this[key];
    return [key, value];
  },
  setdefault(this: Record<string, unknown>, key: string, fallback: unknown = null) {
    if (!Object.prototype.hasOwnProperty.call(this, key)) this[key] = fallback;
    return this[key];
  },
  copy(this: Record<string, unknown>) { return { ...this }; },
  clear(this: Record<string, unknown>) { for (const key of Object.keys(this)) delete this[key]; return null; },
}));
DICT_METHODS.set('iteritems', DICT_METHODS.get('items')!);
DICT_METHODS.set('iterkeys', DICT_METHODS.get('keys')!);
DICT_METHODS.set('itervalues', DICT_METHODS.get('values')!);

/**
 * The Python method `name` of `value`, bound to it, or undefined when Python has none. A dict's own
 * entry of the same name wins (host objects such as `run_started_at` carry their own methods).
 *
 * @example methodOf('a.b', 'split')!('.') // ['a', 'b']
 */
export function methodOf(value: unknown, name: string): ((...args: unknown[]) => unknown) | undefined {
  let method: Method | undefined;
  if (typeof value === 'string') method = STRING_METHODS.get(name);
  else if (Array.isArray(value)) method = LIST_METHODS.get(name);
  else if (typeof value === 'object' && value !== null && (value as Record<string, unknown>)[name] === undefined) {
    method = DICT_METHODS.get(name);
  }
  return method === undefined ? undefined : method.bind(value);
}
