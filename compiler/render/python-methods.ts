/**
 * Python's str, list and dict methods as dbt code uses them in templates (`name.split('.')[-1]`,
 * `cols.append(c)`, `', '.join(names)`). Attribute lookups in templates reach these through `methodOf`;
 * methods that mutate in Python mutate the real object here. Values and operators: python-values.ts.
 */

import { braceFormat, pyCompare, pyEq, pyRepr, splitArgs } from './python-values.js';

type Method = (this: any, ...args: any[]) => unknown;

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
