import { StrataError } from '../diagnostics/strata-error.js';
import type { ManifestNode, NodeId, RefCall } from '../manifest/types.js';
import type { Connection } from '../adapters/adapter.js';
import { ReplayDatabase } from './dbt-context/replay-database.js';
import { RefResolver, refCallOf } from './ref-resolver.js';
import type { ParsedProject } from './parse-project.js';
import { CteRelation, EmptyRelation, TemplateRelation, TOKEN_PATTERN, TOKEN_REMNANT } from './relation.js';
import type { RenderScope } from './render-scope.js';
import { splitKeywords } from './render-scope.js';

export interface CompileOptions {
  /** What `is_incremental()` answers: true when the model's table exists and this is not a full refresh. */
  isIncremental?: boolean;
  /** The target at run time: `execute` is true and templates may query it (see compileNodeAtRun). */
  database?: ReplayDatabase;
  /** `--empty`: each ref and source reads as `(select * from x where false limit 0)`, as in dbt. */
  empty?: boolean;
}

/**
 * The compile pass at run time: templates that query the database (`run_query`, `statement`,
 * `adapter.get_columns_in_relation`, ...) get their answers from `connection`.
 *
 * @example await compileNodeAtRun(parsed, id, connection, { isIncremental: false })
 */
export async function compileNodeAtRun(parsed: ParsedProject, id: NodeId, connection: Connection, options: CompileOptions = {}): Promise<string> {
  const database = new ReplayDatabase();
  return database.run(connection, () => compileNode(parsed, id, { ...options, database }));
}

/** `renderInNode` at run time (hooks may call `adapter` and `run_query`). */
export async function renderInNodeAtRun(parsed: ParsedProject, id: NodeId, text: string, connection: Connection, options: CompileOptions = {}): Promise<string> {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  const database = new ReplayDatabase();
  return database.run(connection, () => renderInNode(parsed, id, text, { ...options, database }));
}

const CTE_PREFIX = '__strata__cte__';

/**
 * The compile pass for one node: real, quoted relation names, and ephemeral models inlined as CTEs.
 * Nodes whose parse pass was static (or did not look at relations) are finished by replacing tokens;
 * the others are rendered again with real values.
 *
 * @example compileNode(parsed, 'model.pagila.dim_customer' as NodeId)
 *   // 'select ... from "pagila_bronze"."brz_customer" ...'
 */
export function compileNode(parsed: ParsedProject, id: NodeId, options: CompileOptions = {}): string {
  const { sql, ctes } = compileWithCtes(parsed, id, options, new Set());
  return injectCtes(sql, ctes);
}

interface Cte {
  name: string;
  sql: string;
}

function compileWithCtes(parsed: ParsedProject, id: NodeId, options: CompileOptions, visiting: Set<NodeId>): { sql: string; ctes: Cte[] } {
  const node = parsed.manifest.nodes[id];
  const template = parsed.templates.get(id);
  if (!node || !template) {
    throw new StrataError({ code: 'STR220', message: `nothing to compile for ${id}` });
  }
  const ephemeralUsed: ManifestNode[] = [];
  const { relationFor, sourceRelation } = resolvers(parsed, ephemeralUsed, options.empty);
  const resolver = resolverOf(parsed);
  const refTarget = (call: RefCall) => resolver.ref(call, node.packageName);
  const self = new TemplateRelation(node.schema, node.alias);

  let sql: string | undefined;
  if (!template.dynamic && !(options.isIncremental && node.config.materialized === 'incremental')) {
    const replaced = template.rendered.replace(TOKEN_PATTERN, (_m, kind: string | undefined, index: string | undefined) => {
      if (kind === 'ref') {
        const call = template.refs[Number(index)];
        return String(relationFor(refTarget(call), call.name));
      }
      if (kind === 'src') {
        const call = template.sources[Number(index)];
        return String(sourceRelation(call.source, call.table, node.packageName));
      }
      return String(self);
    });
    if (!TOKEN_REMNANT.test(replaced)) sql = replaced;
    else ephemeralUsed.length = 0;
  }
  if (sql === undefined) {
    const scope = compileScope(parsed, node, options, relationFor, sourceRelation, self);
    const errorFile = node.test?.position?.file ?? node.path;
    const compiled = parsed.renderer.template(templateKey(node), node.rawSql, node.checksum);
    sql = parsed.renderer.render(compiled, scope, errorFile);
  }

  const ctes: Cte[] = [];
  for (const ephemeral of ephemeralUsed) {
    if (visiting.has(ephemeral.id)) continue;
    visiting.add(ephemeral.id);
    const inner = compileWithCtes(parsed, ephemeral.id, options, visiting);
    for (const cte of inner.ctes) if (!ctes.some((c) => c.name === cte.name)) ctes.push(cte);
    if (!ctes.some((c) => c.name === `${CTE_PREFIX}${ephemeral.name}`)) {
      ctes.push({ name: `${CTE_PREFIX}${ephemeral.name}`, sql: inner.sql });
    }
  }
  return { sql, ctes };
}

/**
 * How refs and sources become relations in the compile pass. With `ephemeralUsed`, a ref to an
 * ephemeral model becomes its CTE's name and the model is collected for inlining.
 */
function resolvers(parsed: ParsedProject, ephemeralUsed?: ManifestNode[], empty = false) {
  const Relation = empty ? EmptyRelation : TemplateRelation;
  const relationFor = (target: ManifestNode | undefined, name: string): TemplateRelation => {
    if (!target) throw new Error(`unknown ref '${name}'`);
    if (ephemeralUsed && target.config.materialized === 'ephemeral') {
      if (!ephemeralUsed.includes(target)) ephemeralUsed.push(target);
      return new CteRelation('', `${CTE_PREFIX}${target.name}`);
    }
    return new Relation(target.schema, target.alias);
  };
  const sourceRelation = (sourceName: string, table: string, fromPackage?: string): TemplateRelation => {
    const source = resolverOf(parsed).source(sourceName, table, fromPackage);
    if (!source) throw new Error(`unknown source '${sourceName}.${table}'`);
    return new Relation(source.schema, source.identifier);
  };
  return { relationFor, sourceRelation };
}

function compileScope(
  parsed: ParsedProject,
  node: ManifestNode,
  options: CompileOptions,
  relationFor: (target: ManifestNode | undefined, name: string) => TemplateRelation,
  sourceRelation: (sourceName: string, table: string, fromPackage?: string) => TemplateRelation,
  self: TemplateRelation,
): RenderScope {
  return {
    mode: 'compile',
    file: node.path,
    ref(args) {
      const call = refCallOf(args);
      return relationFor(resolverOf(parsed).ref(call, node.packageName), call.name);
    },
    source(args) {
      const [sourceName, table] = splitKeywords(args).positional.map(String);
      return sourceRelation(sourceName, table, node.packageName);
    },
    config: () => undefined,
    configGet: (key, fallback) => node.config[key] ?? fallback ?? null,
    thisRelation: () => self,
    isIncremental: () => options.isIncremental === true,
    taint: () => undefined,
    recordMacro: () => undefined,
    model: { name: node.name, path: node.path, resource_type: node.resourceType, config: node.config, unique_id: node.id, package_name: node.packageName },
    packageName: node.packageName,
    database: options.database,
  };
}

/**
 * Renders a snippet (a hook, a DDL macro call) as if it were part of `node`: `this`, `ref`, `config`
 * and every macro work as in the node's own SQL.
 *
 * @example renderInNode(parsed, id, 'grant select on {{ this }} to reporter')
 */
export function renderInNode(parsed: ParsedProject, id: NodeId, text: string, options: CompileOptions = {}): string {
  const node = parsed.manifest.nodes[id];
  if (!text.includes('{{') && !text.includes('{%')) return text;
  const { relationFor, sourceRelation } = resolvers(parsed);
  const scope = compileScope(parsed, node, options, relationFor, sourceRelation, new TemplateRelation(node.schema, node.alias));
  const template = parsed.renderer.template(`${node.path}#snippet:${text}`, text, text);
  return parsed.renderer.render(template, scope, node.path);
}

/** Calls a macro (a project's override of `create_table_as`, ...) in the context of `node`. */
export function callMacroInNode(parsed: ParsedProject, id: NodeId, name: string, args: unknown[]): string {
  const node = parsed.manifest.nodes[id];
  const { relationFor, sourceRelation } = resolvers(parsed);
  const scope = compileScope(parsed, node, {}, relationFor, sourceRelation, new TemplateRelation(node.schema, node.alias));
  return String(parsed.renderer.callMacro(name, args, scope));
}

/**
 * `strata run-operation`: calls a macro (`name` or `pkg.name`) with keyword arguments at run time, its
 * statements (`run_query`, `statement`, `adapter.*`) run on `connection`. `this` is not set; `ref` and
 * `source` resolve as from the root project.
 *
 * @example await runOperationAtRun(parsed, 'create_source_table', {}, connection)
 */
export async function runOperationAtRun(parsed: ParsedProject, name: string, kwargs: Record<string, unknown>, connection: Connection): Promise<unknown> {
  const database = new ReplayDatabase();
  const { relationFor, sourceRelation } = resolvers(parsed);
  const operation = {
    id: `operation.${parsed.manifest.projectName}.${name}`,
    name,
    path: '(run-operation)',
    resourceType: 'operation',
    packageName: parsed.manifest.projectName,
    config: {},
    schema: parsed.project.target.schema,
    alias: name,
  } as unknown as ManifestNode;
  const scope = compileScope(parsed, operation, { database }, relationFor, sourceRelation, new TemplateRelation(operation.schema, name));
  scope.thisRelation = () => null;
  return database.run(connection, () => parsed.renderer.callMacro(name, [{ ...kwargs, __keywords: true }], scope));
}

/** Generic tests are rendered from generated text keyed `file#name`; files are keyed by path. */
function templateKey(node: ManifestNode): string {
  return node.test?.position ? `${node.path}#${node.name}` : node.path;
}

const refResolvers = new WeakMap<ParsedProject, RefResolver>();

function resolverOf(parsed: ParsedProject): RefResolver {
  let resolver = refResolvers.get(parsed);
  if (!resolver) {
    resolver = new RefResolver(parsed.manifest.projectName, Object.values(parsed.manifest.nodes), Object.values(parsed.manifest.sources));
    refResolvers.set(parsed, resolver);
  }
  return resolver;
}

/**
 * Puts CTEs in front of a query. A query that starts with its own `with` gets them prepended to its
 * list (`with a as (...), <its ctes>`), as dbt does.
 */
export function injectCtes(sql: string, ctes: Cte[]): string {
  if (ctes.length === 0) return sql;
  const definitions = ctes.map((cte) => `${cte.name} as (\n${cte.sql.trim()}\n)`).join(',\n');
  const leading = /^(\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)with\s+(recursive\s+)?/i.exec(sql);
  if (leading) {
    const recursive = leading[2] ? 'recursive ' : '';
    return `${leading[1]}with ${recursive}${definitions},\n${sql.slice(leading[0].length)}`;
  }
  return `with ${definitions}\n${sql}`;
}
