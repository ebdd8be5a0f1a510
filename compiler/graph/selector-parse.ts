/**
 * dbt's node selector grammar → a small syntax tree of plain data. Evaluation is `select-nodes.ts`.
 *
 *   selection     := value (WHITESPACE value)*         union of the values (and of repeated flags)
 *   value         := term ("," term)*                  intersection
 *   term          := ["@"] [[n] "+"] [method ":"] pattern ["+" [n]]
 *
 * A term without a method (`dim_customer`, `gold`, `stg_*`, `pagila.gold`) is a `default` term: a node's
 * name, an fqn path, or a folder of the node's path; one holding a `/` is a `path` term.
 */
import { StrataError } from '../diagnostics/strata-error.js';
import type { ResourceType } from '../manifest/types.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';

export type SelectorMethod =
  | 'default'
  | 'path'
  | 'tag'
  | 'config'
  | 'resource_type'
  | 'source'
  | 'test_type'
  | 'fqn'
  | 'package'
  | 'test_name'
  | 'exposure'
  | 'version'
  | 'group'
  | 'access'
  | 'state';

export interface SelectorTerm {
  kind: 'term';
  /** The term as written, for messages: `+tag:gold`. */
  raw: string;
  method: SelectorMethod;
  /** `config.materialized` → `['materialized']`; `config.meta.owner` → `['meta', 'owner']`; else empty. */
  methodArgs: string[];
  /** What to match; may hold `*` and `?` wildcards. */
  value: string;
  /** `+x` / `2+x`: also the ancestors, up to `parentsDepth` edges away (all when absent). */
  parents: boolean;
  parentsDepth?: number;
  /** `x+` / `x+2`: also the descendants, up to `childrenDepth` edges away (all when absent). */
  children: boolean;
  childrenDepth?: number;
  /** `@x`: x, its descendants, and every ancestor of those. */
  childrensParents: boolean;
}

/** Terms joined by commas: a node is selected when every term selects it. */
export interface SelectorIntersection {
  kind: 'intersection';
  raw: string;
  terms: SelectorTerm[];
}

/** Space-separated values (and repeated `--select` flags): a node is selected when any item selects it. */
export interface SelectorUnion {
  kind: 'union';
  items: SelectorIntersection[];
}

export const SELECTOR_METHODS: readonly string[] = [
  'path',
  'tag',
  'config.<key>',
  'resource_type',
  'source',
  'test_type',
  'fqn',
  'package',
  'test_name',
  'exposure',
  'version',
  'group',
  'access',
  'state',
];

const RESOURCE_TYPES: readonly (ResourceType | 'exposure')[] = ['model', 'seed', 'snapshot', 'test', 'unit_test', 'source', 'exposure', 'analysis'];
const TEST_TYPES = ['generic', 'singular', 'unit'];
const STATE_VALUES = /^(new|modified(\.[a-z_]+)?)$/;

const TERM = /^(@)?(?:(\d*)\+)?(?:([A-Za-z_][\w.]*):)?(.*?)(?:\+(\d*))?$/s;

/**
 * Parses the values of one `--select` (or `--exclude`) flag, repeated or not.
 *
 * @example
 *   parseSelector(['+tag:gold,config.materialized:table stg_customer'])
 *   // { kind: 'union', items: [
 *   //   { kind: 'intersection', raw: '+tag:gold,config.materialized:table', terms: [
 *   //     { method: 'tag', value: 'gold', parents: true, ... },
 *   //     { method: 'config', methodArgs: ['materialized'], value: 'table', ... } ] },
 *   //   { kind: 'intersection', raw: 'stg_customer', terms: [{ method: 'default', value: 'stg_customer', ... }] } ] }
 * @throws StrataError `STR302` for an unknown method or a malformed term, quoting it.
 */
export function parseSelector(values: readonly string[]): SelectorUnion {
  const items: SelectorIntersection[] = [];
  for (const value of values) {
    for (const raw of value.split(/\s+/)) {
      if (raw === '') continue;
      const parts = raw.split(',');
      if (parts.some((part) => part === '')) throw malformed(raw, 'an empty term around a comma');
      items.push({ kind: 'intersection', raw, terms: parts.map(parseTerm) });
    }
  }
  return { kind: 'union', items };
}

/** One term: `@x`, `2+tag:gold+1`, `config.materialized:table`, `models/gold`. */
export function parseTerm(raw: string): SelectorTerm {
  const match = TERM.exec(raw);
  if (!match) throw malformed(raw, 'it does not read as [@][n+]method:value[+n]');
  const [, at, parentsDepth, methodText, value = '', childrenDepth] = match;
  if (value === '') throw malformed(raw, 'there is nothing to select, only graph operators or a method');
  if (/[+@]/.test(value)) throw malformed(raw, "'+' and '@' belong at the ends of a term");
  const parents = parentsDepth !== undefined;
  if (at && parents) throw malformed(raw, "'@' and a '+' prefix cannot be combined");

  let method: SelectorMethod;
  let methodArgs: string[] = [];
  if (methodText === undefined) {
    method = value.includes('/') ? 'path' : 'default';
  } else if (methodText.startsWith('config.')) {
    method = 'config';
    methodArgs = methodText.slice('config.'.length).split('.');
    if (methodArgs.some((arg) => arg === '')) throw malformed(raw, 'config needs a key, as in config.materialized:table');
  } else if (isPlainMethod(methodText)) {
    method = methodText;
  } else {
    throw new StrataError({
      code: 'STR302',
      message: `unknown selector method '${methodText}' in '${raw}'`,
      hint: `${suggestion(methodText)}methods: ${SELECTOR_METHODS.join(', ')}, or a bare name, fqn or folder`,
    });
  }
  checkValue(raw, method, value);

  const term: SelectorTerm = {
    kind: 'term',
    raw,
    method,
    methodArgs,
    value,
    parents,
    children: childrenDepth !== undefined,
    childrensParents: at !== undefined,
  };
  if (parentsDepth) term.parentsDepth = Number(parentsDepth);
  if (childrenDepth) term.childrenDepth = Number(childrenDepth);
  return term;
}

function isPlainMethod(text: string): text is Exclude<SelectorMethod, 'default' | 'config'> {
  return text !== 'config' && text !== 'default' && SELECTOR_METHODS.includes(text);
}

function checkValue(raw: string, method: SelectorMethod, value: string): void {
  const oneOf = (allowed: readonly string[]): void => {
    if (!allowed.includes(value)) {
      throw new StrataError({
        code: 'STR302',
        message: `invalid value '${value}' for ${method} in '${raw}'`,
        hint: `${method} is one of ${allowed.join(', ')}`,
      });
    }
  };
  if (method === 'resource_type') oneOf(RESOURCE_TYPES);
  if (method === 'test_type') oneOf(TEST_TYPES);
  if (method === 'state' && !STATE_VALUES.test(value)) oneOf(['new', 'modified', 'modified.<what>']);
}

function malformed(raw: string, why: string): StrataError {
  return new StrataError({
    code: 'STR302',
    message: `malformed selector '${raw}': ${why}`,
    hint: `a term is [@][n+]method:value[+n]; methods: ${SELECTOR_METHODS.join(', ')}, or a bare name, fqn or folder`,
  });
}

function suggestion(method: string): string {
  const guess = didYouMean(method, SELECTOR_METHODS.filter((m) => !m.includes('<')));
  return guess ? `did you mean '${guess}'? ` : '';
}
