/**
 * Python's `re` module for templates (`modules.re`), on JavaScript regular expressions. Patterns are
 * translated where the syntaxes differ: `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, Python's `$` (also
 * before a final newline), `(?#…)` comments, leading inline flags `(?imsx)`, VERBOSE whitespace and
 * comments, and `]` first in a class. Not translated: scoped flags `(?i:…)`, conditionals `(?(1)…)`,
 * possessive quantifiers and atomic groups.
 */
import { bindArguments } from './python-args.js';

export const FLAGS = { NOFLAG: 0, I: 2, IGNORECASE: 2, L: 4, LOCALE: 4, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, U: 32, UNICODE: 32, X: 64, VERBOSE: 64, A: 256, ASCII: 256 };
const INLINE_FLAGS: Record<string, number> = { i: 2, L: 4, m: 8, s: 16, u: 32, x: 64, a: 256 };

/** Removes VERBOSE whitespace and `#` comments, outside classes and escapes. */
function stripVerbose(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      out += ch + (pattern[++i] ?? '');
    } else if (inClass) {
      out += ch;
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
    } else if (ch === '#') {
      while (i + 1 < pattern.length && pattern[i + 1] !== '\n') i++;
    } else if (!/\s/.test(ch)) {
      out += ch;
    }
  }
  return out;
}

/**
 * A Python pattern and flags as JavaScript regular expression source and flags.
 *
 * @example translatePattern('(?i)(?P<y>\\d{4})\\Z', 0) → {source: '(?<y>\\d{4})(?![\\s\\S])', flags: 2, jsFlags: 'i'}
 */
export function translatePattern(pattern: string, flags: number): { source: string; flags: number; jsFlags: string } {
  let rest = pattern;
  for (let m = /^\(\?([aiLmsux]+)\)/.exec(rest); m; m = /^\(\?([aiLmsux]+)\)/.exec(rest)) {
    for (const letter of m[1]!) flags |= INLINE_FLAGS[letter]!;
    rest = rest.slice(m[0].length);
  }
  if (flags & FLAGS.X) rest = stripVerbose(rest);
  const multiline = (flags & FLAGS.M) !== 0;
  let source = '';
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '\\') {
      const next = rest[++i] ?? '';
      source += next === 'Z' ? '(?![\\s\\S])' : next === 'A' ? '(?<![\\s\\S])' : '\\' + next;
    } else if (ch === '[') {
      let j = i + 1;
      let cls = '[';
      if (rest[j] === '^') cls += rest[j++];
      if (rest[j] === ']') (cls += '\\]'), j++;
      for (; j < rest.length && rest[j] !== ']'; j++) cls += rest[j] === '\\' ? rest[j]! + (rest[++j] ?? '') : rest[j];
      source += cls + ']';
      i = j;
    } else if (rest.startsWith('(?P<', i)) {
      source += '(?<';
      i += 3;
    } else if (rest.startsWith('(?P=', i)) {
      const close = rest.indexOf(')', i);
      source += `\\k<${rest.slice(i + 4, close)}>`;
      i = close;
    } else if (rest.startsWith('(?#', i)) {
      i = rest.indexOf(')', i);
    } else if (ch === '$' && !multiline) {
      source += '(?=\\n?(?![\\s\\S]))';
    } else {
      source += ch;
    }
  }
  const jsFlags = (flags & FLAGS.I ? 'i' : '') + (multiline ? 'm' : '') + (flags & FLAGS.S ? 's' : '');
  return { source, flags, jsFlags };
}

/** Named capturing groups of a JavaScript pattern source with their numbers (counted by opening parenthesis). */
function capturingGroups(source: string): Array<[string, number]> {
  const named: Array<[string, number]> = [];
  let count = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\') i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' && source[i + 1] !== '?') count++;
    else if (ch === '(' && /^\(\?<[A-Za-z_]/.test(source.slice(i, i + 4))) {
      count++;
      named.push([source.slice(i + 3, source.indexOf('>', i)), count]);
    }
  }
  return named;
}

export class PyMatch {
  [index: number]: string | null;
  readonly string: string;
  readonly pos: number;

  constructor(
    readonly re: PyPattern,
    private readonly found: RegExpExecArray,
    input: string,
    pos: number,
  ) {
    this.string = input;
    this.pos = pos;
    found.forEach((value, i) => (this[i] = value ?? null));
  }

  private index(group: unknown): number {
    if (typeof group === 'number' && group >= 0 && group < this.found.length) return group;
    if (typeof group === 'string' && this.re.groupindex[group] !== undefined) return this.re.groupindex[group]!;
    throw new Error('IndexError: no such group');
  }

  /** group() is the whole match; group(1, 'name') a list of groups. */
  group(...groups: unknown[]): string | null | Array<string | null> {
    if (groups.length === 0) return this.found[0]!;
    const values = groups.map((g) => this.found[this.index(g)] ?? null);
    return values.length === 1 ? values[0]! : values;
  }

  groups(...args: unknown[]): Array<unknown> {
    const { default: fallback } = bindArguments('groups', args, ['default'], { default: null });
    return this.found.slice(1).map((value) => value ?? fallback);
  }

  groupdict(...args: unknown[]): Record<string, unknown> {
    const { default: fallback } = bindArguments('groupdict', args, ['default'], { default: null });
    return Object.fromEntries(Object.keys(this.re.groupindex).map((name) => [name, this.found.groups?.[name] ?? fallback]));
  }

  span(group: unknown = 0): [number, number] {
    return this.found.indices?.[this.index(group)] ?? [-1, -1];
  }

  start(group: unknown = 0): number {
    return this.span(group)[0];
  }

  end(group: unknown = 0): number {
    return this.span(group)[1];
  }

  /** The repl template of sub() with this match's groups filled in. */
  expand(template: string): string {
    return String(template).replace(/\\(g<([^>]*)>|\d{1,2}|.)/gs, (whole, escape: string, name?: string) => {
      if (name !== undefined) return this.group(/^\d+$/.test(name) ? Number(name) : name) as string ?? '';
      if (/^\d/.test(escape)) return (this.group(Number(escape)) as string | null) ?? '';
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\' };
      if (simple[escape] !== undefined) return simple[escape]!;
      if (/[A-Za-z]/.test(escape)) throw new Error(`re.error: bad escape \\${escape}`);
      return whole;
    });
  }

  toString(): string {
    return `<re.Match object; span=(${this.span().join(', ')}), match='${this.found[0]}'>`;
  }
}

export class PyPattern {
  readonly pattern: string;
  readonly flags: number;
  readonly groups: number;
  readonly groupindex: Record<string, number>;
  private readonly scanning: RegExp;
  private readonly anchored: RegExp;
  private readonly whole: RegExp;

  constructor(pattern: string, flags: number) {
    const translated = translatePattern(String(pattern), flags);
    this.pattern = String(pattern);
    this.flags = translated.flags;
    try {
      this.scanning = new RegExp(translated.source, translated.jsFlags + 'dg');
      this.anchored = new RegExp(translated.source, translated.jsFlags + 'dy');
      this.whole = new RegExp(`(?:${translated.source})(?![\\s\\S])`, translated.jsFlags + 'dy');
    } catch (error) {
      throw new Error(`re.error: ${(error as Error).message}`);
    }
    const empty = new RegExp(`${translated.source}|`, translated.jsFlags).exec('')!;
    this.groups = empty.length - 1;
    this.groupindex = {};
    for (const [name, number] of capturingGroups(translated.source)) this.groupindex[name] = number;
  }

  private run(regex: RegExp, input: unknown, pos: unknown): PyMatch | null {
    const text = String(input);
    const start = typeof pos === 'number' ? pos : 0;
    regex.lastIndex = start;
    const found = regex.exec(text);
    return found ? new PyMatch(this, found, text, start) : null;
  }

  match(string: string, pos?: number): PyMatch | null {
    return this.run(this.anchored, string, pos);
  }

  fullmatch(string: string, pos?: number): PyMatch | null {
    return this.run(this.whole, string, pos);
  }

  search(string: string, pos?: number): PyMatch | null {
    return this.run(this.scanning, string, pos);
  }

  /** Every non-overlapping match, empty ones included, as Python 3.7+ finds them. */
  finditer(string: string, pos?: number): PyMatch[] {
    const text = String(string);
    const matches: PyMatch[] = [];
    const regex = new RegExp(this.scanning.source, this.scanning.flags);
    regex.lastIndex = typeof pos === 'number' ? pos : 0;
    for (let found = regex.exec(text); found; found = regex.exec(text)) {
      matches.push(new PyMatch(this, found, text, 0));
      if (found[0] === '') regex.lastIndex++;
      if (regex.lastIndex > text.length) break;
    }
    return matches;
  }

  /** Whole matches without groups, the group with one, lists of groups with several. */
  findall(string: string, pos?: number): unknown[] {
    return this.finditer(string, pos).map((m) => (this.groups === 0 ? m.group() : this.groups === 1 ? m.groups('')[0] : m.groups('')));
  }

  subn(...args: unknown[]): [string, number] {
    const { repl, string, count } = bindArguments('subn', args, ['repl', 'string', 'count'], { count: 0 });
    const text = String(string);
    const limit = Number(count);
    const replace = typeof repl === 'function' ? (m: PyMatch) => String(repl(m) ?? '') : (m: PyMatch) => m.expand(String(repl));
    let out = '';
    let last = 0;
    let n = 0;
    for (const m of this.finditer(text)) {
      if (limit > 0 && n >= limit) break;
      out += text.slice(last, m.start()) + replace(m);
      last = m.end();
      n++;
    }
    return [out + text.slice(last), n];
  }

  sub(...args: unknown[]): string {
    return this.subn(...args)[0];
  }

  /** Pieces between matches, with the groups of each match between them, as Python's split. */
  split(...args: unknown[]): unknown[] {
    const { string, maxsplit } = bindArguments('split', args, ['string', 'maxsplit'], { maxsplit: 0 });
    const text = String(string);
    const pieces: unknown[] = [];
    let last = 0;
    let n = 0;
    for (const m of this.finditer(text)) {
      if (Number(maxsplit) > 0 && n >= Number(maxsplit)) break;
      pieces.push(text.slice(last, m.start()), ...m.groups());
      last = m.end();
      n++;
    }
    pieces.push(text.slice(last));
    return pieces;
  }

  toString(): string {
    return `re.compile('${this.pattern}')`;
  }
}

const cache = new Map<string, PyPattern>();

function compile(pattern: unknown, flags: unknown = 0): PyPattern {
  if (pattern instanceof PyPattern) return pattern;
  const key = `${Number(flags)}:${String(pattern)}`;
  let compiled = cache.get(key);
  if (!compiled) {
    if (cache.size > 500) cache.clear();
    compiled = new PyPattern(String(pattern), Number(flags));
    cache.set(key, compiled);
  }
  return compiled;
}

/** Python's re.escape: a backslash before each character that is special in a pattern. */
function escape(text: unknown): string {
  return String(text).replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, (ch) => '\\' + ch);
}

/** The `re` module. */
export function reModule(): Record<string, unknown> {
  const bySearch = (name: 'match' | 'search' | 'fullmatch' | 'findall' | 'finditer') => (...args: unknown[]) => {
    const a = bindArguments(name, args, ['pattern', 'string', 'flags'], { flags: 0 });
    return compile(a.pattern, a.flags)[name](String(a.string));
  };
  return {
    ...FLAGS,
    compile: (...args: unknown[]) => {
      const a = bindArguments('compile', args, ['pattern', 'flags'], { flags: 0 });
      return compile(a.pattern, a.flags);
    },
    match: bySearch('match'),
    search: bySearch('search'),
    fullmatch: bySearch('fullmatch'),
    findall: bySearch('findall'),
    finditer: bySearch('finditer'),
    sub: (...args: unknown[]) => {
      const a = bindArguments('sub', args, ['pattern', 'repl', 'string', 'count', 'flags'], { count: 0, flags: 0 });
      return compile(a.pattern, a.flags).sub(a.repl, a.string, a.count);
    },
    subn: (...args: unknown[]) => {
      const a = bindArguments('subn', args, ['pattern', 'repl', 'string', 'count', 'flags'], { count: 0, flags: 0 });
      return compile(a.pattern, a.flags).subn(a.repl, a.string, a.count);
    },
    split: (...args: unknown[]) => {
      const a = bindArguments('split', args, ['pattern', 'string', 'maxsplit', 'flags'], { maxsplit: 0, flags: 0 });
      return compile(a.pattern, a.flags).split(a.string, a.maxsplit);
    },
    escape,
    purge: () => void cache.clear(),
  };
}
