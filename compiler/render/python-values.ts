/**
 * Python's meaning of values and operators, as dbt code relies on in templates: truthiness, equality,
 * `repr`/`str`, slicing, `+ - * %` (with dunder methods), and `%` and `str.format` formatting. The
 * methods of str, list and dict are in python-methods.ts.
 */

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

export function pyCompare(a: any, b: any): number {
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
