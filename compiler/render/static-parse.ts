/**
 * The static fast path of the parse pass (dbt has the same idea in its static parser). Most models
 * use nothing but `{{ ref('x') }}`, `{{ source('s', 't') }}` and `{{ config(key=literal, ...) }}`; for
 * those the result of rendering is known without a template engine. Anything else returns `undefined`
 * and the file goes through nunjucks.
 */

export interface StaticParse {
  /** The SQL with ref/source calls replaced by tokens and config calls removed. */
  rendered: string;
  refs: { package?: string; name: string; version?: string | number; offset: number }[];
  sources: { source: string; table: string; offset: number }[];
  config: Record<string, unknown>;
}

const TAG = /\{\{-?\s*(ref|source|config)\s*\(([^{}]*?)\)\s*-?\}\}/g;

export function staticParse(text: string): StaticParse | undefined {
  if (text.includes('{%') || text.includes('{#')) return undefined;
  const refs: StaticParse['refs'] = [];
  const sources: StaticParse['sources'] = [];
  let config: Record<string, unknown> = {};
  let failed = false;
  const rendered = text.replace(TAG, (match, fn: string, argsText: string, offset: number) => {
    if (failed) return match;
    if (match.startsWith('{{-') || match.endsWith('-}}')) {
      failed = true;
      return match;
    }
    const args = parseArguments(argsText);
    if (!args) {
      failed = true;
      return match;
    }
    if (fn === 'config') {
      if (args.positional.length > 0) failed = true;
      else config = { ...config, ...args.keywords };
      return '';
    }
    const strings = args.positional.filter((a): a is string => typeof a === 'string');
    if (strings.length !== args.positional.length) {
      failed = true;
      return match;
    }
    if (fn === 'ref' && (strings.length === 1 || strings.length === 2)) {
      refs.push(strings.length === 1 ? { name: strings[0], offset } : { package: strings[0], name: strings[1], offset });
      // `ref('m', v=2)`: a pinned version; any other keyword goes through the template engine.
      for (const key in args.keywords) {
        const value = args.keywords[key];
        if ((key === 'v' || key === 'version') && (typeof value === 'string' || typeof value === 'number')) refs[refs.length - 1]!.version = value;
        else failed = true;
      }
      return `__strata_ref_${refs.length - 1}__`;
    }
    if (fn === 'source' && strings.length === 2 && Object.keys(args.keywords).length === 0) {
      sources.push({ source: strings[0], table: strings[1], offset });
      return `__strata_src_${sources.length - 1}__`;
    }
    failed = true;
    return match;
  });
  if (failed || rendered.includes('{{')) return undefined;
  return { rendered, refs, sources, config };
}

interface Arguments {
  positional: unknown[];
  keywords: Record<string, unknown>;
}

/** Parses `'a', 'b'` or `materialized='table', tags=['x'], indexes=[{'columns': ['id']}]` (literals only). */
export function parseArguments(text: string): Arguments | undefined {
  // Most calls are `'name'` or `'source', 'table'`: plain strings, read without the literal reader.
  const plain = PLAIN_STRINGS.exec(text);
  if (plain) return { positional: plain[4] === undefined ? [plain[2]] : [plain[2], plain[4]], keywords: {} };
  const reader = new LiteralReader(text);
  const result: Arguments = { positional: [], keywords: {} };
  reader.skipSpace();
  if (reader.done()) return result;
  for (;;) {
    reader.skipSpace();
    const keyword = reader.tryKeyword();
    const value = reader.readValue();
    if (value === FAIL) return undefined;
    if (keyword) result.keywords[keyword] = value;
    else if (Object.keys(result.keywords).length > 0) return undefined;
    else result.positional.push(value);
    reader.skipSpace();
    if (reader.done()) return result;
    if (!reader.eat(',')) return undefined;
    reader.skipSpace();
    if (reader.done()) return result;
  }
}

/** One or two quoted strings without escapes, e.g. ` 'stg_orders' ` or `'shop', "orders"`. */
const PLAIN_STRINGS = /^\s*(['"])([^'"\\]*)\1\s*(?:,\s*(['"])([^'"\\]*)\3\s*)?$/;

const FAIL = Symbol('fail');

class LiteralReader {
  private at = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }
  skipSpace(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }
  eat(char: string): boolean {
    if (this.text[this.at] !== char) return false;
    this.at++;
    return true;
  }
  tryKeyword(): string | undefined {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(this.text.slice(this.at));
    if (!match) return undefined;
    this.at += match[0].length;
    this.skipSpace();
    return match[1];
  }
  readValue(): unknown {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === "'" || char === '"') return this.readString(char);
    if (char === '[') return this.readList();
    if (char === '{') return this.readDict();
    const match = /^(-?\d+(?:\.\d+)?|true|false|True|False|none|None|null)(?![A-Za-z0-9_])/.exec(this.text.slice(this.at));
    if (!match) return FAIL;
    this.at += match[0].length;
    const word = match[1];
    if (word === 'true' || word === 'True') return true;
    if (word === 'false' || word === 'False') return false;
    if (word === 'none' || word === 'None' || word === 'null') return null;
    return Number(word);
  }
  private readString(quote: string): unknown {
    let value = '';
    this.at++;
    while (this.at < this.text.length) {
      const char = this.text[this.at++];
      if (char === '\\') {
        const next = this.text[this.at++];
        value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      } else if (char === quote) {
        return value;
      } else {
        value += char;
      }
    }
    return FAIL;
  }
  private readList(): unknown {
    const list: unknown[] = [];
    this.at++;
    for (;;) {
      this.skipSpace();
      if (this.eat(']')) return list;
      const value = this.readValue();
      if (value === FAIL) return FAIL;
      list.push(value);
      this.skipSpace();
      if (this.eat(']')) return list;
      if (!this.eat(',')) return FAIL;
    }
  }
  private readDict(): unknown {
    const dict: Record<string, unknown> = {};
    this.at++;
    for (;;) {
      this.skipSpace();
      if (this.eat('}')) return dict;
      const key = this.readValue();
      if (typeof key !== 'string') return FAIL;
      this.skipSpace();
      if (!this.eat(':')) return FAIL;
      const value = this.readValue();
      if (value === FAIL) return FAIL;
      dict[key] = value;
      this.skipSpace();
      if (this.eat('}')) return dict;
      if (!this.eat(',')) return FAIL;
    }
  }
}
