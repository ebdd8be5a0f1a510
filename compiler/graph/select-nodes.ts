/**
 * The selector evaluator: `--select` / `--exclude` values + manifest + Dag → the nodes to act on. Pure:
 * no files, no database, no printing; problems come back as diagnostics.
 */
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { isTestNode, type AnyNode, type Manifest, type NodeId } from '../manifest/types.js';
import type { Dag, GraphNode } from './dag.js';
import { parseSelector, type SelectorTerm, type SelectorUnion } from './selector-parse.js';

/**
 * Answers `state:<criterion>` terms (`new`, `modified`, `modified.body`, ...) for one node, by comparing
 * with a previous manifest. Supplied by the caller that has one.
 */
export type StateCheck = (node: AnyNode, criterion: string) => boolean;

export interface SelectOptions {
  /**
   * `--select` values; absent or empty: every enabled model, seed and test (and, in `sources`, every
   * enabled source).
   */
  select?: readonly string[];
  /** `--exclude` values, same grammar; removed from the selection. */
  exclude?: readonly string[];
  state?: StateCheck;
}

export interface Selection {
  /** Models, seeds and tests to act on, in dependency order (`Dag.topologicalOrder`). */
  ids: NodeId[];
  /** Sources the selection reached (`+x`, `source:pagila`, ...), in dependency order. Never executed. */
  sources: NodeId[];
  /** Exposures the selection reached (`exposure:x`, `gold_customer_metrics+`), in dependency order. Never executed. */
  exposures: NodeId[];
  /** `STR304` warnings: a term (or an intersection) that matched no enabled node. */
  warnings: Diagnostic[];
}

/**
 * Evaluates `--select` and `--exclude` over the graph.
 *
 * 1. each `--select` term is matched against enabled nodes and sources, then grown by its graph
 *    operators (`+x`, `x+2`, `@x`); commas intersect, spaces and repeated values unite;
 * 2. the `--exclude` terms, evaluated the same way, are removed;
 * 3. tests are added "eagerly": a test joins when any node it depends on is selected; and as in dbt,
 *    exclusion is eager too: a test that depends on an excluded node is left out, even when a
 *    `--select` term matched it (so `--select gold --exclude dim_customers` drops every test that
 *    reads dim_customers, including a relationships test from a gold model to it);
 * 4. disabled nodes are dropped; sources are returned apart, since nothing runs for them.
 *
 * @example
 *   selectNodes(manifest, dag, { select: ['+gold_customer_metrics'], exclude: ['resource_type:seed'] })
 *   // {
 *   //   ids: ['model.pagila.stg_customer', 'test.pagila.not_null_stg_customer_customer_id',
 *   //         'model.pagila.gold_customer_metrics'],
 *   //   sources: ['source.pagila.pagila.customer'],
 *   //   warnings: [],
 *   // }
 *   selectNodes(manifest, dag, { select: ['tag:nope'] }).warnings[0]?.message
 *   // "--select term 'tag:nope' matched no enabled node"
 * @throws StrataError `STR302` for a malformed selector, `STR303` for `state:` without `options.state`,
 *   `STR301` if the graph has a cycle.
 */
export function selectNodes(manifest: Manifest, dag: Dag, options: SelectOptions = {}): Selection {
  const select = parseSelector(options.select ?? []);
  const exclude = parseSelector(options.exclude ?? []);
  const context: EvalContext = {
    dag,
    state: options.state,
    enabled: [],
    disabled: [],
    warnings: [],
  };
  for (const node of [...Object.values(manifest.sources), ...Object.values(manifest.nodes), ...Object.values(manifest.exposures ?? {})]) {
    (node.config.enabled === false ? context.disabled : context.enabled).push(node);
  }
  if (!options.state) requireNoState(select, exclude);

  const selected = select.items.length > 0 ? evaluateUnion(select, context, '--select') : selectEverything(context);
  const excluded = evaluateUnion(exclude, context, '--exclude');
  for (const id of excluded) selected.delete(id);

  for (const node of context.enabled) {
    if (!isTestNode(node) || selected.has(node.id) || excluded.has(node.id)) continue;
    if (testParents(node).some((parent) => selected.has(parent))) selected.add(node.id);
  }
  if (excluded.size > 0) {
    for (const node of context.enabled) {
      const isTest = isTestNode(node);
      if (isTest && selected.has(node.id) && testParents(node).some((parent) => excluded.has(parent))) selected.delete(node.id);
    }
  }

  const ids: NodeId[] = [];
  const sources: NodeId[] = [];
  const exposures: NodeId[] = [];
  for (const id of dag.topologicalOrder(selected)) {
    const node = dag.node(id);
    if (!node || node.config.enabled === false) continue;
    (node.resourceType === 'source' ? sources : node.resourceType === 'exposure' ? exposures : ids).push(id);
  }
  return { ids, sources, exposures, warnings: context.warnings };
}

/**
 * The selection without `--select`: every enabled model, seed and source, and the tests that depend on
 * nothing. The other tests join through step 3, so excluding a model also drops the tests that only
 * check it, as an explicit `--select` of everything else would.
 */
function selectEverything(context: EvalContext): Set<NodeId> {
  const everything = new Set<NodeId>();
  for (const node of context.enabled) {
    if (!isTestNode(node) || testParents(node).length === 0) everything.add(node.id);
  }
  return everything;
}

interface EvalContext {
  dag: Dag;
  state: StateCheck | undefined;
  enabled: GraphNode[];
  disabled: GraphNode[];
  warnings: Diagnostic[];
}

function evaluateUnion(union: SelectorUnion, context: EvalContext, flag: string): Set<NodeId> {
  const result = new Set<NodeId>();
  for (const item of union.items) {
    const sets = item.terms.map((term) => evaluateTerm(term, context, flag));
    const [first, ...rest] = sets;
    const matched = [...first!].filter((id) => rest.every((set) => set.has(id)));
    if (matched.length === 0 && sets.length > 1 && sets.every((set) => set.size > 0)) {
      context.warnings.push(noMatch(flag, item.raw, 'the terms match nodes, but no node matches all of them'));
    }
    for (const id of matched) result.add(id);
  }
  return result;
}

function evaluateTerm(term: SelectorTerm, context: EvalContext, flag: string): Set<NodeId> {
  const matches = termMatcher(term, context);
  const base = context.enabled.filter(matches).map((node) => node.id);
  if (base.length === 0) {
    const disabledOnly = context.disabled.some(matches);
    context.warnings.push(noMatch(flag, term.raw, disabledOnly ? 'only disabled nodes match it' : undefined));
    return new Set();
  }
  const { dag } = context;
  const result = new Set(base);
  const add = (ids: Iterable<NodeId>): void => {
    for (const id of ids) result.add(id);
  };
  if (term.childrensParents) {
    add(dag.walk(base, 'down'));
    add(dag.walk([...result], 'up'));
  } else {
    if (term.parents) add(dag.walk(base, 'up', term.parentsDepth));
    if (term.children) add(dag.walk(base, 'down', term.childrenDepth));
  }
  return result;
}

function noMatch(flag: string, raw: string, hint: string | undefined): Diagnostic {
  return { code: 'STR304', severity: 'warn', message: `${flag} term '${raw}' matched no enabled node`, hint: hint ?? "check the term: 'strata ls' lists every node" };
}

function requireNoState(...unions: SelectorUnion[]): void {
  for (const union of unions) {
    for (const item of union.items) {
      const term = item.terms.find((t) => t.method === 'state');
      if (term) {
        throw new StrataError({
          code: 'STR303',
          message: `selector '${term.raw}' needs the state of a previous run to compare with`,
          hint: 'pass --state <dir> holding the manifest.json of that run',
        });
      }
    }
  }
}

function testParents(node: GraphNode): NodeId[] {
  if (node.resourceType === 'unit_test') return node.unitTest ? [node.unitTest.model] : [];
  if (node.resourceType !== 'test') return [];
  const attached = node.test?.attachedNode;
  return attached ? [...node.dependsOn.nodes, attached] : node.dependsOn.nodes;
}

/** The predicate of one term's method and value, before graph operators. */
function termMatcher(term: SelectorTerm, context: EvalContext): (node: GraphNode) => boolean {
  const value = term.value;
  const like = globMatcher(value);
  switch (term.method) {
    case 'default': {
      const fqn = fqnMatcher(value);
      const folder = folderMatcher(value);
      // A version of a model: `dim_customers` (every version), `dim_customers_v2` or `dim_customers.v2` (one).
      const version = (node: GraphNode) =>
        node.resourceType === 'model' && node.version !== undefined && (like(`${node.name}_v${String(node.version)}`) || like(`${node.name}.v${String(node.version)}`));
      return (node) => like(node.name) || fqn(node.fqn) || folder(node) || version(node);
    }
    case 'version':
      // dbt's `version:latest | prerelease | old | none`.
      return (node) => node.resourceType !== 'source' && node.resourceType !== 'exposure' && versionState(node) === value;
    case 'group':
      return (node) => node.resourceType !== 'source' && node.resourceType !== 'exposure' && like(String(node.config.group ?? ''));
    case 'access':
      return (node) => node.resourceType === 'model' && like(String(node.config.access ?? 'protected'));
    case 'path':
      return pathMatcher(value);
    case 'tag':
      return (node) => tagsOf(node).some(like);
    case 'config':
      return (node) => configValues(node.config, term.methodArgs).some(like);
    case 'resource_type':
      return (node) => node.resourceType === value;
    case 'source':
      return sourceMatcher(value);
    case 'test_type':
      return (node) =>
        value === 'unit'
          ? node.resourceType === 'unit_test'
          : node.resourceType === 'test' && (value === 'generic' ? node.test?.name !== undefined : node.test?.name === undefined);
    case 'fqn': {
      const fqn = fqnMatcher(value);
      return (node) => fqn(node.fqn);
    }
    case 'package':
      return (node) => like(node.packageName);
    case 'test_name':
      return (node) => node.resourceType === 'test' && like(node.test?.name ?? node.name);
    case 'exposure':
      return (node) => node.resourceType === 'exposure' && like(node.name);
    case 'state':
      // An exposure builds nothing: it is new or modified only through what it reads (`state:modified+`).
      return (node) => node.resourceType !== 'exposure' && context.state!(node, value);
  }
}

/**
 * A matcher for a value that may hold `*` (any run of characters) and `?` (one character).
 *
 * @example globMatcher('stg_*')('stg_customer') // true
 */
export function globMatcher(pattern: string): (text: string) => boolean {
  if (!/[*?]/.test(pattern)) return (text) => text === pattern;
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return (text) => regex.test(text);
}

/**
 * dbt's fqn rule: a one-part selector matches the fqn's last part (the node name); otherwise the
 * selector's dotted parts must be a prefix of the fqn's parts, and a `*` part ends the comparison.
 *
 * @example fqnMatcher('pagila.gold')(['pagila', 'gold', 'gold_customer_metrics']) // true
 */
function fqnMatcher(selector: string): (fqn: readonly string[]) => boolean {
  const parts = selector.split('.');
  if (parts.length === 1) {
    const like = globMatcher(selector);
    return (fqn) => fqn.length > 0 && like(fqn[fqn.length - 1]!);
  }
  const likes = parts.map((part) => (part === '*' ? undefined : globMatcher(part)));
  return (fqn) => {
    const flat = fqn.some((part) => part.includes('.')) ? fqn.flatMap((part) => part.split('.')) : fqn;
    if (flat.length < parts.length) return false;
    for (let i = 0; i < likes.length; i++) {
      const like = likes[i];
      if (like === undefined) return true;
      if (!like(flat[i]!)) return false;
    }
    return true;
  };
}

/** A bare folder name: one of the path's directories, or of the fqn's parts above the name. */
function folderMatcher(value: string): (node: GraphNode) => boolean {
  const like = globMatcher(value);
  const inFqn = (fqn: readonly string[]): boolean => {
    for (let i = 0; i < fqn.length - 1; i++) if (like(fqn[i]!)) return true;
    return false;
  };
  if (/[*?]/.test(value)) {
    return (node) => node.path.split('/').slice(0, -1).some(like) || inFqn(node.fqn);
  }
  const inner = `/${value}/`;
  return (node) => node.path.startsWith(`${value}/`) || node.path.includes(inner) || inFqn(node.fqn);
}

/** `path:models/gold` (a folder, recursively), `path:models/gold/x.sql`, `path:models/gold/x`, globs. */
function pathMatcher(value: string): (node: GraphNode) => boolean {
  const wanted = value.replace(/^\.\//, '').replace(/\/+$/, '');
  const like = globMatcher(wanted);
  return (node) => {
    const path = node.path;
    if (like(path) || like(path.replace(/\.[^./]+$/, ''))) return true;
    const directories = path.split('/');
    for (let end = directories.length - 1; end > 0; end--) {
      if (like(directories.slice(0, end).join('/'))) return true;
    }
    return false;
  };
}

/** `source:pagila`, `source:pagila.customer`, `source:<package>.pagila.customer`. */
function sourceMatcher(value: string): (node: GraphNode) => boolean {
  const parts = value.split('.').map(globMatcher);
  return (node) => {
    if (node.resourceType !== 'source') return false;
    const names = [node.packageName, node.sourceName, node.name].slice(-Math.max(parts.length, 2));
    if (parts.length === 1) return parts[0]!(node.sourceName);
    return parts.length <= 3 && parts.every((like, i) => like(names[i]!));
  };
}

/** Where a version stands: `latest`, `prerelease` (greater than the latest), `old`, or `none` (no versions). */
function versionState(node: { version?: string | number; latestVersion?: string | number }): string {
  if (node.version === undefined) return 'none';
  const [v, latest] = [String(node.version), String(node.latestVersion)];
  if (v === latest) return 'latest';
  const numeric = !Number.isNaN(Number(v)) && !Number.isNaN(Number(latest));
  return (numeric ? Number(v) > Number(latest) : v > latest) ? 'prerelease' : 'old';
}

function tagsOf(node: GraphNode): string[] {
  return node.resourceType === 'source' || node.resourceType === 'exposure' ? [...node.tags, ...node.config.tags] : node.config.tags;
}

/** `config.materialized` → `['table']`; an array value gives its elements; nested keys follow objects. */
function configValues(config: object, keys: readonly string[]): string[] {
  let value: unknown = config;
  for (const key of keys) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item) => item !== undefined && item !== null && typeof item !== 'object').map(String);
}
