import { quoteIdent } from '../../sql/quote.js';
import type { QueryResult } from '../../adapters/adapter.js';
import type { StrataEnvironment } from '../nunjucks-env.js';
import { TemplateRelation, type RelationType } from '../relation.js';
import { currentScope, splitKeywords, type RenderObserver, type RenderScope } from '../render-scope.js';
import { resultTable, statementResult } from './result-table.js';
import { pythonModules } from './python-modules.js';
import { PyDateTime } from './python-datetime.js';
import { PyTimezone } from './python-timezones.js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
/** The yaml library, loaded on the first `toyaml`/`fromyaml`. */
const yaml = () => (yamlModule ??= require('yaml') as typeof import('yaml'));

/** What the runtime context needs from the renderer. */
export interface ContextHost {
  dispatch(name: string, namespace?: string | null): (...args: unknown[]) => unknown;
  /** The target's database name (`target.database`). */
  database: string | null;
  runStartedAt: Date;
  /** What a run knows and templates may read: set by the command, empty while parsing. */
  run: RunState;
  /** Told of reads of the clock and of printed lines (see RenderObserver). */
  observer?: RenderObserver;
}

/** `graph`, `selected_resources`, `results` and `flags` as the running command fills them in. */
export interface RunState {
  /** `graph` in dbt's shape (`nodes`, `sources`, ...), built on first use. */
  graph?: () => Record<string, unknown>;
  selectedResources?: string[];
  /** `results` in `on-run-end`: one per node, as dbt shapes them. */
  results?: unknown[];
  flags?: Record<string, unknown>;
  /** Where `log(msg, info=True)` and `print(msg)` go. */
  log?(message: string): void;
}

/** The prefix of the CTE an ephemeral model becomes (compile-node.ts inlines them under it). */
export const EPHEMERAL_PREFIX = '__strata__cte__';

function scope(name: string): RenderScope {
  const s = currentScope();
  if (!s) throw new Error(`'${name}' can only be used while a model is rendered`);
  return s;
}

/**
 * Runs a statement for a template: at run time through the node's replay database; while parsing
 * (`execute` is false) there is no database, and the template is marked for a render at run time.
 */
function query(name: string, sql: string): QueryResult | undefined {
  const s = scope(name);
  if (!s.database) {
    s.taint();
    return undefined;
  }
  return s.database.query(sql);
}

/** A Column as `adapter.get_columns_in_relation` returns it in dbt (name, data_type and the type tests). */
export function templateColumn(name: string, dataType: string, charSize: number | null, precision: number | null, scale: number | null) {
  const base = dataType.toLowerCase();
  const full =
    base === 'character varying' && charSize !== null
      ? `character varying(${charSize})`
      : base === 'character' && charSize !== null
        ? `character(${charSize})`
        : base === 'numeric' && precision !== null
          ? `numeric(${precision},${scale ?? 0})`
          : base;
  const isString = ['character varying', 'character', 'text', 'varchar', 'char'].includes(base);
  const isInteger = ['integer', 'bigint', 'smallint', 'int', 'int4', 'int8', 'int2'].includes(base);
  const isFloat = ['real', 'double precision', 'float', 'float4', 'float8'].includes(base);
  return {
    name,
    column: name,
    quoted: quoteIdent(name),
    dtype: full,
    data_type: full,
    char_size: charSize,
    numeric_precision: precision,
    numeric_scale: scale,
    is_string: () => isString,
    is_integer: () => isInteger,
    is_float: () => isFloat,
    is_numeric: () => base === 'numeric',
    is_number: () => isInteger || isFloat || base === 'numeric',
    string_size: () => charSize ?? 256,
    toString: () => `<Column ${name} (${full})>`,
  };
}

const str = (value: unknown) => String(value).replace(/'/g, "''");

function relationOf(args: unknown[], names: string[]): Record<string, unknown> {
  const { positional, keywords } = splitKeywords(args);
  const values: Record<string, unknown> = {};
  names.forEach((name, i) => {
    values[name] = keywords[name] !== undefined ? keywords[name] : positional[i];
  });
  return values;
}

function relationKindSql(schema: string, identifier: string): string {
  return (
    `select case c.relkind when 'v' then 'view' when 'm' then 'materialized_view' when 'f' then 'external' else 'table' end as type ` +
    `from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace ` +
    `where n.nspname = '${str(schema)}' and c.relname = '${str(identifier)}' and c.relkind in ('r', 'v', 'm', 'p', 'f')`
  );
}

function getRelation(host: ContextHost, schema: unknown, identifier: unknown): TemplateRelation | null {
  if (schema === undefined || schema === null || identifier === undefined || identifier === null) return null;
  const result = query('adapter.get_relation', relationKindSql(String(schema), String(identifier)));
  const type = result?.rows[0]?.type as RelationType | undefined;
  return type ? new TemplateRelation(String(schema), String(identifier), type, host.database) : null;
}

function asRelation(value: unknown): { schema: string; identifier: string; type?: RelationType } {
  const relation = value as { schema?: unknown; identifier?: unknown; type?: unknown } | null;
  if (!relation || typeof relation !== 'object' || relation.identifier === undefined) {
    throw new Error(`expected a relation, got ${String(value)}`);
  }
  return { schema: String(relation.schema ?? ''), identifier: String(relation.identifier), type: (relation.type as RelationType) ?? null };
}

function columnsIn(relation: unknown) {
  const { schema, identifier } = asRelation(relation);
  const result = query(
    'adapter.get_columns_in_relation',
    `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale ` +
      `from information_schema.columns where table_schema = '${str(schema)}' and table_name = '${str(identifier)}' order by ordinal_position`,
  );
  if (!result) return [];
  return result.rows.map((row) =>
    templateColumn(
      String(row.column_name),
      String(row.data_type),
      row.character_maximum_length === null ? null : Number(row.character_maximum_length),
      row.numeric_precision === null ? null : Number(row.numeric_precision),
      row.numeric_scale === null ? null : Number(row.numeric_scale),
    ),
  );
}

/** `adapter`, as dbt's Postgres adapter offers it to templates. */
function adapterObject(host: ContextHost) {
  return {
    dispatch: (...args: unknown[]) => {
      const { positional, keywords } = splitKeywords(args);
      const name = String(keywords.macro_name ?? positional[0]);
      const namespace = (keywords.macro_namespace ?? positional[1] ?? null) as string | null;
      return host.dispatch(name, namespace);
    },
    quote: (identifier: unknown) => quoteIdent(String(identifier)),
    quote_as_configured: (identifier: unknown) => quoteIdent(String(identifier)),
    quote_seed_column: (column: unknown, quote?: unknown) => (quote === false ? String(column) : quoteIdent(String(column))),
    type: () => 'postgres',
    get_columns_in_relation: (relation: unknown) => columnsIn(relation),
    get_relation: (...args: unknown[]) => {
      const { schema, identifier } = relationOf(args, ['database', 'schema', 'identifier']);
      return getRelation(host, schema, identifier);
    },
    load_relation: (relation: unknown) => {
      const { schema, identifier } = asRelation(relation);
      return getRelation(host, schema, identifier);
    },
    get_missing_columns: (from: unknown, to: unknown) => {
      const have = new Set(columnsIn(to).map((c) => c.name));
      return columnsIn(from).filter((c) => !have.has(c.name));
    },
    drop_relation: (relation: unknown) => {
      const r = asRelation(relation);
      const kind = r.type === 'view' ? 'view' : r.type === 'materialized_view' ? 'materialized view' : 'table';
      query('adapter.drop_relation', `drop ${kind} if exists ${quoteIdent(r.schema)}.${quoteIdent(r.identifier)} cascade`);
      return '';
    },
    truncate_relation: (relation: unknown) => {
      const r = asRelation(relation);
      query('adapter.truncate_relation', `truncate table ${quoteIdent(r.schema)}.${quoteIdent(r.identifier)}`);
      return '';
    },
    rename_relation: (from: unknown, to: unknown) => {
      const a = asRelation(from);
      const b = asRelation(to);
      const kind = a.type === 'view' ? 'view' : 'table';
      query('adapter.rename_relation', `alter ${kind} ${quoteIdent(a.schema)}.${quoteIdent(a.identifier)} rename to ${quoteIdent(b.identifier)}`);
      return '';
    },
    create_schema: (relation: unknown) => {
      query('adapter.create_schema', `create schema if not exists ${quoteIdent(asRelation(relation).schema)}`);
      return '';
    },
    drop_schema: (relation: unknown) => {
      query('adapter.drop_schema', `drop schema if exists ${quoteIdent(asRelation(relation).schema)} cascade`);
      return '';
    },
    already_exists: (schema: unknown, identifier: unknown) => getRelation(host, schema, identifier) !== null,
    check_schema_exists: (...args: unknown[]) => {
      const { schema } = relationOf(args, ['database', 'schema']);
      const result = query('adapter.check_schema_exists', `select 1 from pg_catalog.pg_namespace where nspname = '${str(schema)}'`);
      return (result?.rows.length ?? 0) > 0;
    },
    list_relations_without_caching: (relation: unknown) => {
      const { schema } = asRelation({ ...(relation as object), identifier: '' });
      const result = query(
        'adapter.list_relations_without_caching',
        `select table_name, case table_type when 'VIEW' then 'view' else 'table' end as type from information_schema.tables where table_schema = '${str(schema)}'`,
      );
      return (result?.rows ?? []).map((row) => new TemplateRelation(schema, String(row.table_name), row.type as RelationType, host.database));
    },
  };
}

/** `api.Relation.create(database=, schema=, identifier=, type=)`. */
function apiObject(host: ContextHost) {
  return {
    Relation: {
      create: (...args: unknown[]) => {
        const { database, schema, identifier, type } = relationOf(args, ['database', 'schema', 'identifier', 'type']);
        return new TemplateRelation(
          schema === undefined || schema === null ? '' : String(schema),
          identifier === undefined || identifier === null ? '' : String(identifier),
          (type as RelationType) ?? null,
          database === undefined || database === null ? host.database : String(database),
        );
      },
      add_ephemeral_prefix: (name: unknown) => `${EPHEMERAL_PREFIX}${String(name)}`,
    },
    Column: {
      create: (name: unknown, dataType: unknown) => templateColumn(String(name), String(dataType), null, null, null),
    },
  };
}

/**
 * Installs dbt's runtime context on an environment: `adapter`, `api`, `run_query`, `statement` with
 * `load_result`, `load_relation`, `exceptions`, `zip`, `flags`. Every call that needs the database goes
 * through the scope's replay database, so the parse pass stays pure: while parsing there is none,
 * `execute` is false and these calls return nothing.
 */
export function installRuntimeContext(env: StrataEnvironment, host: ContextHost): void {
  const adapter = adapterObject(host);
  env.addGlobal('adapter', adapter);
  env.addGlobal('api', apiObject(host));
  env.addGlobal('load_relation', (relation: unknown) => adapter.load_relation(relation));
  env.addGlobal('run_query', (sql: unknown) => {
    const result = query('run_query', String(sql));
    return result ? resultTable(result) : null;
  });
  env.addGlobal('statement', (...args: unknown[]) => {
    const { positional, keywords } = splitKeywords(args);
    const name = (keywords.name ?? positional[0] ?? null) as string | null;
    const fetch = (keywords.fetch_result ?? positional[1] ?? false) === true;
    const caller = keywords.caller as (() => unknown) | undefined;
    const sql = caller ? String(caller()) : '';
    const s = scope('statement');
    if (!s.database) {
      s.taint();
      return '';
    }
    const result = sql.trim() === '' ? undefined : s.database.query(sql);
    if (name) (s.statementResults ??= new Map()).set(name, statementResult(result, fetch));
    return '';
  });
  env.addGlobal('load_result', (name: unknown) => scope('load_result').statementResults?.get(String(name)) ?? null);
  env.addGlobal('store_result', (name: unknown, response: unknown, table: unknown) => {
    (scope('store_result').statementResults ??= new Map()).set(String(name), { response, table, data: table });
    return '';
  });
  env.addGlobal('exceptions', {
    raise_compiler_error: (message: unknown) => {
      throw new CompilerError(String(message));
    },
    raise_not_implemented: (message: unknown) => {
      throw new CompilerError(`not implemented: ${String(message)}`);
    },
    warn: (message: unknown) => {
      host.observer?.volatile('exceptions.warn()');
      scope('exceptions.warn').warn?.(String(message));
      return '';
    },
  });
  env.addGlobal('zip', (...lists: unknown[]) => {
    const arrays = lists.map((l) => (Array.isArray(l) ? l : Array.from(l as Iterable<unknown>)));
    const length = Math.min(...arrays.map((a) => a.length));
    return Array.from({ length }, (_, i) => arrays.map((a) => a[i]));
  });
  env.addGlobal('set', (items?: Iterable<unknown>) => pythonSet(items ?? []));
  // dbt's set_strict fails on what set() quietly treats as empty.
  env.addGlobal('set_strict', (items?: Iterable<unknown>) => {
    if (items === undefined || items === null || typeof (items as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new Error(`set_strict() needs a list, got ${String(items)}`);
    }
    return pythonSet(items);
  });
  // dbt's own helpers that package macros call.
  env.addGlobal('should_store_failures', () => scope('should_store_failures').configGet('store_failures', false) === true);
  env.addGlobal('should_full_refresh', () => scope('should_full_refresh').configGet('full_refresh', false) === true);
  // Built on first use: most templates never touch `modules`.
  let modules: Record<string, unknown> | undefined;
  const clock = () => {
    host.observer?.volatile('modules.datetime');
    return Date.now();
  };
  env.defineGlobalGetter('modules', () => (modules ??= pythonModules(clock)));
  const run = host.run;
  env.defineGlobalGetter('flags', () => ({ FULL_REFRESH: false, STORE_FAILURES: false, WHICH: 'compile', ...run.flags }));
  // Known only once the project is parsed and the run selected: a template that reads them is rendered
  // again at run time (taint), as one that reads `execute`.
  const atRun = <T>(read: () => T) => () => {
    const s = currentScope();
    if (s?.mode === 'parse') s.taint();
    return read();
  };
  let graph: Record<string, unknown> | undefined;
  env.defineGlobalGetter(
    'graph',
    atRun(() => (run.graph ? (graph ??= run.graph()) : { nodes: {}, sources: {}, exposures: {}, metrics: {}, groups: {} })),
  );
  env.defineGlobalGetter('selected_resources', atRun(() => run.selectedResources ?? []));
  env.defineGlobalGetter('results', atRun(() => run.results ?? []));
  // dbt's run_started_at: a datetime in UTC (`{{ run_started_at }}` prints `2024-05-01 12:00:00.123000+00:00`).
  let startedAt: unknown;
  env.defineGlobalGetter('run_started_at', () => {
    host.observer?.volatile('run_started_at');
    return (startedAt ??= PyDateTime.fromInstant(host.runStartedAt.getTime() * 1000, PyTimezone.utc));
  });
  env.addGlobal('log', (...args: unknown[]) => {
    const { positional, keywords } = splitKeywords(args);
    if (keywords.info === true || positional[1] === true) {
      host.observer?.volatile('log()');
      run.log?.(String(positional[0] ?? ''));
    }
    return '';
  });
  env.addGlobal('print', (message: unknown) => {
    host.observer?.volatile('print()');
    run.log?.(String(message));
    return '';
  });
  env.addGlobal('toyaml', (value: unknown) => yaml().stringify(value));
  env.addGlobal('fromyaml', (text: unknown) => yaml().parse(String(text)));
}

/**
 * Python's `set()`: unique items in a stable order (sorted), so two sets of the same items compare
 * equal with `==` whatever order they were built in; `add`, `update`, `discard` mutate it.
 */
function pythonSet(items: Iterable<unknown>): unknown[] {
  const sortKey = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));
  const result = [...new Set(items)].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const reorder = () => {
    const sorted = [...new Set(result)].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    result.splice(0, result.length, ...sorted);
    return '';
  };
  Object.defineProperties(result, {
    add: { value: (item: unknown) => (result.push(item), reorder()), enumerable: false },
    update: { value: (more: Iterable<unknown>) => (result.push(...more), reorder()), enumerable: false },
    discard: { value: (item: unknown) => { const i = result.indexOf(item); if (i >= 0) result.splice(i, 1); return ''; }, enumerable: false },
  });
  return result;
}

/** `exceptions.raise_compiler_error(msg)`: the template's own error, reported as it wrote it. */
export class CompilerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompilerError';
  }
}
