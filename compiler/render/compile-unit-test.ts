/**
 * The compile pass of a unit test: the tested model's SQL, rendered with every `ref`/`source` (and
 * `this`, when given) replaced by a CTE of the literal rows the test gives, so that the query reads
 * nothing from the database.
 *
 *   given: [{input: ref('fct_payment'), rows: [{customer_id: 1, amount: 20.00}]}]
 *   →  with __strata_unit_ref_fct_payment as (
 *        select cast(1 as integer) as "customer_id", cast(20.00 as numeric(5,2)) as "amount"
 *      )
 *      <the model's SQL, reading __strata_unit_ref_fct_payment>
 */
import { quoteIdent, quoteLiteral, type LiteralValue } from '../sql/quote.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { ManifestNode, NodeId, UnitTestInput } from '../manifest/types.js';
import { injectCtes } from './compile-node.js';
import type { ParsedProject } from './parse-project.js';
import { CteRelation, TemplateRelation } from './relation.js';
import { splitKeywords, type RenderScope } from './render-scope.js';
import { inputKey } from './unit-test-nodes.js';

/** A column of a given input: its name and, when known, its Postgres type. */
export interface InputColumn {
  name: string;
  type?: string;
}

/**
 * The columns of the relation an input stands for, in order: those declared in YAML (`data_type` of a
 * model's or source's columns, a seed's `column_types`) and, passed in by the caller, those found in
 * the database. Declared types win; rows may add columns neither knows.
 */
export function declaredInputColumns(parsed: ParsedProject, unit: ManifestNode, input: UnitTestInput): InputColumn[] {
  const upstream = upstreamOf(parsed, unit, input);
  if (!upstream) return [];
  const columns: InputColumn[] = Object.values(upstream.columns).map((c) => ({
    name: c.name,
    type: typeof c.data_type === 'string' && c.data_type.trim() !== '' ? c.data_type : undefined,
  }));
  const seedTypes = 'config' in upstream ? (upstream.config as { column_types?: Record<string, string> }).column_types : undefined;
  for (const [name, type] of Object.entries(seedTypes ?? {})) {
    const found = columns.find((c) => c.name === name);
    if (found) found.type ??= type;
    else columns.push({ name, type });
  }
  return columns;
}

/** The relation (`schema`, `identifier`) an input stands for, to look up its columns in the database. */
export function inputRelation(parsed: ParsedProject, unit: ManifestNode, input: UnitTestInput): { schema: string; identifier: string } | undefined {
  const upstream = upstreamOf(parsed, unit, input);
  if (!upstream) return undefined;
  return 'identifier' in upstream ? { schema: upstream.schema, identifier: upstream.identifier } : { schema: upstream.schema, identifier: upstream.alias };
}

function upstreamOf(parsed: ParsedProject, unit: ManifestNode, input: UnitTestInput) {
  const { manifest } = parsed;
  const target = input.target;
  if (target.kind === 'source') return manifest.sources[`source.${manifest.projectName}.${target.source}.${target.table}`];
  if (target.kind === 'this') return manifest.nodes[unit.unitTest!.model];
  return Object.values(manifest.nodes).find((n) => n.name === target.name && (n.resourceType === 'model' || n.resourceType === 'seed'));
}

/**
 * The unit test's SQL: the model rendered against CTEs of the given rows, with the test's var and
 * macro overrides. `columnsOf` gives each input's known columns (declared and from the database).
 *
 * @example compileUnitTest(parsed, id, (input) => declaredInputColumns(parsed, unit, input))
 */
export function compileUnitTest(parsed: ParsedProject, id: NodeId, columnsOf: (input: UnitTestInput) => InputColumn[]): string {
  const unit = parsed.manifest.nodes[id];
  const meta = unit?.unitTest;
  if (!unit || !meta) throw new StrataError({ code: 'STR240', message: `${id} is not a unit test` });
  const model = parsed.manifest.nodes[meta.model];
  const place = { file: meta.position.file, line: meta.position.line, column: meta.position.column };
  const ctes = new Map<string, { name: string; sql: string }>();
  const given = new Map(meta.given.map((input) => [inputKey(input.target), input]));

  const cteFor = (key: string, description: string): CteRelation => {
    const input = given.get(key);
    if (!input) {
      throw new StrataError({
        code: 'STR241',
        message: `unit test '${unit.name}': model '${model.name}' reads ${description}, which the test does not give`,
        ...place,
        hint: 'give rows for it under given: (rows: [] for none)',
      });
    }
    const name = `__strata_unit_${key.replace(/[^A-Za-z0-9_]/g, '_')}`;
    if (!ctes.has(key)) ctes.set(key, { name, sql: input.sql ?? rowsSql(input.rows, columnsOf(input)) });
    return new CteRelation('', name);
  };

  const macros = meta.overrides.macros;
  const scope: RenderScope = {
    mode: 'compile',
    file: model.path,
    ref(args) {
      const names = splitKeywords(args).positional.map(String);
      const name = names[names.length - 1]!;
      return cteFor(`ref:${name}`, `ref('${name}')`);
    },
    source(args) {
      const [source, table] = splitKeywords(args).positional.map(String);
      return cteFor(`source:${source}.${table}`, `source('${source}', '${table}')`);
    },
    config: () => undefined,
    configGet: (key, fallback) => model.config[key] ?? fallback ?? null,
    thisRelation: () => (given.has('this') ? cteFor('this', 'this') : new TemplateRelation(model.schema, model.alias)),
    isIncremental: () => macros.is_incremental === true,
    taint: () => undefined,
    recordMacro: () => undefined,
    model: { name: model.name, path: model.path, resource_type: model.resourceType, config: model.config, unique_id: model.id },
    vars: meta.overrides.vars,
    macroOverrides: macros,
  };
  const template = parsed.renderer.template(model.path, model.rawSql, model.checksum);
  const sql = parsed.renderer.render(template, scope, model.path);
  return injectCtes(sql, [...ctes.values()]);
}

/**
 * Literal rows as a query: one `select` per row joined by `union all`, every known column present
 * (null where a row does not give it). Typed columns are cast; untyped values keep their literal's type
 * (ISO dates and timestamps become date and timestamp).
 */
export function rowsSql(rows: Record<string, unknown>[], known: InputColumn[]): string {
  const columns: InputColumn[] = known.map((c) => ({ ...c }));
  for (const row of rows) for (const name of Object.keys(row)) if (!columns.some((c) => c.name === name)) columns.push({ name });
  if (columns.length === 0) return rows.length === 0 ? 'select where false' : rows.map(() => 'select').join('\nunion all\n');
  const select = (row: Record<string, unknown> | undefined) =>
    `select ${columns.map((c) => `${literal(row?.[c.name] ?? null, c.type)} as ${quoteIdent(c.name)}`).join(', ')}`;
  if (rows.length === 0) return `${select(undefined)} where false`;
  return rows.map(select).join('\nunion all\n');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** A value as an SQL literal, cast to `type` when given. */
export function literal(value: unknown, type?: string): string {
  const text = value instanceof Date ? value.toISOString() : value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
  const sql = quoteLiteral(text as LiteralValue);
  if (type) return `cast(${sql} as ${type})`;
  if (typeof text === 'string') {
    if (DATE.test(text)) return `${sql}::date`;
    if (TIMESTAMP.test(text)) return `${sql}::timestamp`;
    if (TIMESTAMPTZ.test(text)) return `${sql}::timestamptz`;
  }
  return sql;
}
