import type { RefCall, SourceCall } from '../manifest/types.js';
import { PlaceholderRelation } from './relation.js';
import type { RenderScope } from './render-scope.js';
import { splitKeywords } from './render-scope.js';
import type { Renderer } from './renderer.js';
import { staticParse } from './static-parse.js';

/** What the parse pass learns from one file. Plain data, cacheable by the file's checksum. */
export interface ParsedTemplate {
  /** The SQL with tokens where refs, sources and `this` go (see relation.ts). */
  rendered: string;
  refs: RefCall[];
  sources: SourceCall[];
  /** `{{ config(...) }}` values set in the file. */
  config: Record<string, unknown>;
  /** True when the file read values only the compile pass knows: it is rendered again then. */
  dynamic: boolean;
  /** Macros called while rendering (directly or through other macros). */
  macros: string[];
  /** True when the static fast path parsed it (no template engine involved). */
  static: boolean;
}

export interface ParseInput {
  path: string;
  text: string;
  checksum: string;
  /** The node as templates see it in `model` (name, config so far...). */
  model: Record<string, unknown>;
  /** Config known before rendering (project.yml tree + YAML properties), for `config.get`. */
  baseConfig: Record<string, unknown>;
  /** The package (project) the file belongs to; the root project's when absent. */
  packageName?: string;
  /** Best guess of the node's own relation, for `this.schema` during parsing. */
  guessThis: { schema: string; identifier: string };
}

/**
 * The parse pass for one file: records `ref`/`source`/`config` calls and leaves tokens in the SQL.
 * Static files skip the template engine entirely.
 *
 * @example parseTemplate(renderer, { path: 'models/a.sql', text: "select * from {{ ref('b') }}", ... })
 *   // → { rendered: 'select * from __strata_ref_0__', refs: [{ name: 'b' }], ... }
 */
export function parseTemplate(renderer: Renderer, input: ParseInput): ParsedTemplate {
  const quick = staticParse(input.text);
  if (quick) {
    return {
      rendered: quick.rendered,
      refs: quick.refs.map((r) => withCommentFlag(input.text, r.version === undefined ? { package: r.package, name: r.name, position: positionAt(input, r.offset) } : { package: r.package, name: r.name, version: r.version, position: positionAt(input, r.offset) })),
      sources: quick.sources.map((s) => ({ source: s.source, table: s.table, position: positionAt(input, s.offset) })),
      config: quick.config,
      dynamic: false,
      macros: [],
      static: true,
    };
  }
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  const macros = new Set<string>();
  let config: Record<string, unknown> = {};
  let dynamic = false;
  const taint = () => {
    dynamic = true;
  };
  const scope: RenderScope = {
    mode: 'parse',
    file: input.path,
    ref(args) {
      const { positional, keywords } = splitKeywords(args);
      const names = positional.map(String);
      if (names.length < 1 || names.length > 2) throw new Error(`ref() takes a model name, or a project and a model name`);
      if (positional.some((value) => typeof value !== 'string')) {
        throw new Error(`ref() takes names as text (in quotes), not ${describeValue(positional.find((value) => typeof value !== 'string'))}`);
      }
      const call: RefCall = names.length === 1 ? { name: names[0] } : { package: names[0], name: names[1] };
      const version = keywords.version ?? keywords.v;
      if (version !== undefined && version !== null) call.version = version as string | number;
      call.position = findCall(input, 'ref', call.name);
      refs.push(withCommentFlag(input.text, call));
      return new PlaceholderRelation(`__strata_ref_${refs.length - 1}__`, taint, { schema: '', identifier: call.name });
    },
    source(args) {
      const { positional } = splitKeywords(args);
      if (positional.length !== 2) throw new Error(`source() takes a source name and a table name`);
      if (positional.some((value) => typeof value !== 'string')) {
        throw new Error(`source() takes names as text (in quotes), not ${describeValue(positional.find((value) => typeof value !== 'string'))}`);
      }
      const call: SourceCall = { source: String(positional[0]), table: String(positional[1]) };
      call.position = findCall(input, 'source', call.table);
      sources.push(call);
      return new PlaceholderRelation(`__strata_src_${sources.length - 1}__`, taint, { schema: call.source, identifier: call.table });
    },
    config(values) {
      config = { ...config, ...values };
    },
    configGet(key, fallback) {
      const merged = { ...input.baseConfig, ...config };
      return merged[key] ?? fallback ?? null;
    },
    thisRelation: () => new PlaceholderRelation('__strata_this__', taint, input.guessThis),
    isIncremental() {
      taint();
      return false;
    },
    taint,
    recordMacro: (name) => macros.add(name),
    model: input.model,
    packageName: input.packageName,
  };
  const template = renderer.template(input.path, input.text, input.checksum);
  const rendered = renderer.render(template, scope);
  return { rendered, refs, sources, config, dynamic, macros: [...macros], static: false };
}

function positionAt(input: { path: string; text: string }, offset: number) {
  let line = 1;
  let lineStart = 0;
  for (let i = input.text.indexOf('\n'); i !== -1 && i < offset; i = input.text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { file: input.path, line, column: offset - lineStart + 1 };
}

/** Where in the raw text a `ref('name'` / `source(..., 'name'` call is, for error messages. */
/**
 * dbt's `-- depends_on: {{ ref('x') }}`: a ref written only in SQL line comments orders the node after
 * x without reading it, so x need not exist before the run (the upstream check leaves it out).
 */
function withCommentFlag(text: string, call: RefCall): RefCall {
  // Most files have no such comment: one substring search each (10,000 models).
  if (!text.includes('depends_on')) return call;
  const pattern = new RegExp(`ref\\s*\\([^)]*?['"]${call.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`, 'g');
  let found = false;
  for (const match of text.matchAll(pattern)) {
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    if (!text.slice(lineStart, match.index).includes('--')) return call;
    found = true;
  }
  if (found) call.commentOnly = true;
  return call;
}

function findCall(input: { path: string; text: string }, fn: string, name: string) {
  const pattern = new RegExp(`${fn}\\s*\\([^)]*?['"]${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`);
  const match = pattern.exec(input.text);
  return match ? positionAt(input, match.index) : undefined;
}


/** A template value as an author wrote it: `none` for null and undefined, else its text. */
function describeValue(value: unknown): string {
  return value === undefined || value === null ? 'none' : typeof value === 'object' ? 'a mapping or list' : String(value);
}
