/**
 * Model contracts (`config: {contract: {enforced: true}}`): the columns a model promises, with their
 * types and constraints, declared under `columns:` in its schema YAML.
 *
 * Before anything is built, the query's columns are read without running it (the server describes the
 * query: each column's type and modifier) and compared with the declaration. A
 * mismatch fails the model with a table of expected and actual columns. On a match, the table is
 * created from the declared definitions, constraints included, and filled with `insert ... select`.
 */
import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../sql/quote.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { formatTable } from '../diagnostics/format-table.js';
import type { ColumnInfo, ManifestNode } from '../manifest/types.js';
import { MAX_IDENTIFIER, scratchName } from './scratch-names.js';
import { createHash } from 'node:crypto';

export interface ContractColumn {
  name: string;
  /** As declared: `numeric(10,2)`, `DECIMAL(10,2)`, `varchar(20)`. */
  dataType: string;
  constraints: ContractConstraint[];
}

export interface ContractConstraint {
  type: 'not_null' | 'primary_key' | 'unique' | 'check' | 'foreign_key' | 'custom';
  /** check: the boolean expression; foreign_key: `other_schema.other_table (column)`. */
  expression?: string;
  /** foreign_key: the referenced relation (already rendered) and its columns. */
  to?: string;
  to_columns?: string[];
  name?: string;
  /** Model-level constraints only: the columns it spans. */
  columns?: string[];
}

export interface ActualColumn {
  name: string;
  /** `format_type(atttypid, atttypmod)`: `numeric(10,2)`, `character varying(20)`. */
  dataType: string;
}

/** True when the model's config enforces a contract. */
export function contractEnforced(node: ManifestNode): boolean {
  const contract = node.config.contract as { enforced?: unknown } | undefined;
  return contract?.enforced === true;
}

/** The declared columns, in YAML order. A column without `data_type` is an error (the contract needs it). */
export function contractColumns(node: ManifestNode): ContractColumn[] {
  const columns = Object.values(node.columns);
  const file = node.patchPath ?? node.path;
  if (columns.length === 0) {
    throw new StrataError({
      code: 'STR430',
      message: `model '${node.name}' enforces a contract but declares no columns`,
      file,
      hint: 'list its columns with name and data_type under columns: in its schema YAML',
    });
  }
  const untyped = columns.filter((c) => typeof c.data_type !== 'string' || c.data_type.trim() === '');
  if (untyped.length > 0) {
    throw new StrataError({
      code: 'STR430',
      message: `model '${node.name}' enforces a contract, but ${untyped.length === 1 ? 'column' : 'columns'} ${untyped
        .map((c) => `'${c.name}'`)
        .join(', ')} ${untyped.length === 1 ? 'has' : 'have'} no data_type`,
      file,
      hint: 'give every column a data_type',
    });
  }
  return columns.map((c) => ({ name: c.name, dataType: String(c.data_type).trim(), constraints: constraintsOf(c) }));
}

function constraintsOf(column: ColumnInfo): ContractConstraint[] {
  return Array.isArray(column.constraints) ? constraintList(column.constraints) : [];
}

function constraintList(raw: unknown[]): ContractConstraint[] {
  return raw
    .filter((c): c is Record<string, unknown> => c !== null && typeof c === 'object')
    .map((c) => ({
      type: String(c.type) as ContractConstraint['type'],
      expression: typeof c.expression === 'string' ? c.expression : undefined,
      to: typeof c.to === 'string' ? c.to : undefined,
      to_columns: Array.isArray(c.to_columns) ? c.to_columns.map(String) : undefined,
      name: typeof c.name === 'string' ? c.name : undefined,
      columns: Array.isArray(c.columns) ? c.columns.map(String) : typeof c.columns === 'string' ? [c.columns] : undefined,
    }));
}

/**
 * The model-level `constraints:` of a contracted model (over one or more columns). Each names columns
 * of the contract; primary_key, unique and foreign_key need `columns`; check and custom need an
 * `expression`; a foreign key needs `to` (with `to_columns`) or an `expression`.
 *
 * @example modelConstraints(node, declared)  // [{ type: 'primary_key', columns: ['a', 'b'] }, ...]
 */
export function modelConstraints(node: ManifestNode, declared: ContractColumn[]): ContractConstraint[] {
  const list = constraintList(node.constraints ?? []);
  const names = new Set(declared.map((c) => c.name));
  const file = node.patchPath ?? node.path;
  const fail = (message: string, hint: string): never => {
    throw new StrataError({ code: 'STR433', message: `model '${node.name}': ${message}`, file, hint });
  };
  for (const constraint of list) {
    const type = constraint.type;
    if (!['not_null', 'primary_key', 'unique', 'check', 'foreign_key', 'custom'].includes(type)) {
      fail(`unknown constraint type '${type}' in its model-level constraints`, 'use not_null, primary_key, unique, check, foreign_key or custom');
    }
    const columns = constraint.columns ?? [];
    const unknown = columns.filter((c) => !names.has(c));
    if (unknown.length > 0) {
      fail(`its ${type} constraint names ${unknown.map((c) => `'${c}'`).join(', ')}, not in its contract`, `the contract's columns are: ${[...names].join(', ')}`);
    }
    if (['not_null', 'primary_key', 'unique', 'foreign_key'].includes(type) && columns.length === 0) {
      fail(`its model-level ${type} constraint has no columns`, `write columns: [a, b] in the constraint`);
    }
    if ((type === 'check' || type === 'custom') && !constraint.expression) {
      fail(`its ${type} constraint has no expression`, `write expression: "a > 0"`);
    }
    if (type === 'foreign_key' && !constraint.to && !constraint.expression) {
      fail(`its foreign_key constraint has no 'to'`, "write to: ref('parent') and to_columns: [id]");
    }
    if (type === 'foreign_key' && constraint.to && (constraint.to_columns?.length ?? 0) !== columns.length) {
      fail(`its foreign_key constraint has ${columns.length} columns but ${constraint.to_columns?.length ?? 0} to_columns`, 'give to_columns one column of the parent per column');
    }
  }
  return list;
}

const ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  integer: 'integer',
  int2: 'smallint',
  smallint: 'smallint',
  int8: 'bigint',
  bigint: 'bigint',
  decimal: 'numeric',
  numeric: 'numeric',
  varchar: 'character varying',
  'character varying': 'character varying',
  char: 'character',
  bpchar: 'character',
  character: 'character',
  bool: 'boolean',
  boolean: 'boolean',
  float: 'double precision',
  float8: 'double precision',
  'double precision': 'double precision',
  float4: 'real',
  real: 'real',
  timestamp: 'timestamp without time zone',
  'timestamp without time zone': 'timestamp without time zone',
  timestamptz: 'timestamp with time zone',
  'timestamp with time zone': 'timestamp with time zone',
  time: 'time without time zone',
  'time without time zone': 'time without time zone',
  timetz: 'time with time zone',
  'time with time zone': 'time with time zone',
};

/**
 * A Postgres type name in one canonical spelling: aliases resolved, case and spaces normalized, the
 * modifier kept.
 *
 * @example normalizeType('DECIMAL( 10, 2 )')  // { base: 'numeric', modifier: '(10,2)', array: '' }
 * @example normalizeType('timestamptz')       // { base: 'timestamp with time zone', modifier: '', array: '' }
 */
export function normalizeType(type: string): { base: string; modifier: string; array: string } {
  let text = type.trim().toLowerCase().replace(/\s+/g, ' ');
  let array = '';
  while (/\[\s*\d*\s*\]$/.test(text)) {
    text = text.replace(/\s*\[\s*\d*\s*\]$/, '');
    array += '[]';
  }
  // `timestamp(3) with time zone`: the modifier sits inside the name.
  let modifier = '';
  const inner = /\(([^)]*)\)/.exec(text);
  if (inner) {
    modifier = `(${inner[1]!.replace(/\s+/g, '')})`;
    text = `${text.slice(0, inner.index)} ${text.slice(inner.index + inner[0].length)}`.replace(/\s+/g, ' ').trim();
  }
  const base = ALIASES[text] ?? text.replace(/^"(.*)"$/, '$1');
  return { base, modifier, array };
}

/**
 * Whether an actual column type satisfies a declared one. A declared type without a modifier
 * (`numeric`, `varchar`) accepts any modifier; with one (`numeric(10,2)`), the modifier must match.
 */
export function typesMatch(declared: string, actual: string): boolean {
  const d = normalizeType(declared);
  const a = normalizeType(actual);
  if (d.base !== a.base || d.array !== a.array) return false;
  return d.modifier === '' || d.modifier === a.modifier;
}

/**
 * The columns and full types of a query, without running it: the server describes the query
 * (Connection.describe), and format_type names each type with its modifier (`numeric(10,2)`).
 * Nothing is created, so nothing is written to the catalog.
 */
export async function queryColumns(connection: Connection, sql: string): Promise<ActualColumn[]> {
  const described = await connection.describe(sql);
  if (described.length === 0) return [];
  const types = await connection.query<{ type: string }>(
    'select format_type(t, m) as "type" from unnest($1::oid[], $2::int4[]) with ordinality as c(t, m, n) order by n',
    [described.map((c) => c.dataTypeID), described.map((c) => c.typmod)],
  );
  return described.map((c, i) => ({ name: c.name, dataType: types.rows[i]!.type }));
}

/**
 * Compares the query's columns with the contract; throws a StrataError with a table of expected and
 * actual columns when names (order does not matter) or types differ.
 */
export function assertContract(node: ManifestNode, declared: ContractColumn[], actual: ActualColumn[]): void {
  const actualByName = new Map(actual.map((c) => [c.name, c]));
  const declaredNames = new Set(declared.map((c) => c.name));
  const rows: Record<string, string>[] = [];
  let problems = 0;
  for (const column of declared) {
    const found = actualByName.get(column.name);
    let problem = '';
    if (!found) problem = 'missing from the query';
    else if (!typesMatch(column.dataType, found.dataType)) problem = 'type differs';
    if (problem) problems++;
    rows.push({
      column: column.name,
      expected: column.dataType,
      actual: found ? found.dataType : '-',
      problem,
    });
  }
  for (const column of actual) {
    if (declaredNames.has(column.name)) continue;
    problems++;
    rows.push({ column: column.name, expected: '-', actual: column.dataType, problem: 'not in the contract' });
  }
  if (problems === 0) return;
  const table = formatTable(rows, ['column', 'expected', 'actual', 'problem'])
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  throw new StrataError({
    code: 'STR431',
    // The table ends the message (a hint would trail its last line): what to do comes first.
    message:
      `the query of model '${node.name}' does not match its contract (${problems} ${problems === 1 ? 'problem' : 'problems'}); ` +
      `nothing was built. Change the query or the columns (name, data_type) in the schema YAML:\n${table}`,
    file: node.patchPath ?? node.path,
  });
}

/** A constraint's temporary name (while the table is built aside) and its final name after the swap. */
export interface ConstraintName {
  temporary: string;
  final: string;
}

/**
 * `create table <scratch> (<declared columns with constraints>)`, and the names its constraints get
 * now and after the swap (Postgres names constraints after their table; the scratch table's name is
 * not the final one).
 */
export function createContractTable(
  relation: Relation,
  finalIdentifier: string,
  columns: ContractColumn[],
  runId: string,
  tableConstraints: ContractConstraint[] = [],
): { sql: string; names: ConstraintName[] } {
  const names: ConstraintName[] = [];
  const finals = new Set<string>();
  const named = (column: string, suffix: string, given?: string): string => {
    const temporary = scratchName(`${finalIdentifier}_c${names.length}`, 'tmp', runId);
    let final = given ?? constraintName(finalIdentifier, column, suffix);
    // Two unnamed checks (or keys) over the same columns: Postgres numbers them; so do we.
    for (let n = 1; !given && finals.has(final); n++) final = constraintName(finalIdentifier, column, `${suffix}${n}`);
    finals.add(final);
    names.push({ temporary, final });
    return `constraint ${quoteIdent(temporary)} `;
  };
  const notNull = new Set(tableConstraints.filter((c) => c.type === 'not_null').flatMap((c) => c.columns ?? []));
  const definitions = columns.map((column) => {
    const parts = [quoteIdent(column.name), column.dataType];
    if (notNull.has(column.name) && !column.constraints.some((c) => c.type === 'not_null')) parts.push('not null');
    for (const constraint of column.constraints) {
      switch (constraint.type) {
        case 'not_null':
          parts.push('not null');
          break;
        case 'custom':
          if (constraint.expression) parts.push(constraint.expression);
          break;
        case 'primary_key':
          parts.push(`${named(column.name, 'pkey', constraint.name)}primary key`);
          break;
        case 'unique':
          parts.push(`${named(column.name, 'key', constraint.name)}unique`);
          break;
        case 'check':
          if (constraint.expression) parts.push(`${named(column.name, 'check', constraint.name)}check (${constraint.expression})`);
          break;
        case 'foreign_key': {
          const target = constraint.to
            ? `${constraint.to}${constraint.to_columns?.length ? ` (${constraint.to_columns.map(quoteIdent).join(', ')})` : ''}`
            : constraint.expression;
          if (target) parts.push(`${named(column.name, 'fkey', constraint.name)}references ${target}`);
          break;
        }
        default:
          throw new StrataError({
            code: 'STR432',
            message: `unknown constraint type '${String(constraint.type)}' on column '${column.name}'`,
            hint: 'use not_null, primary_key, unique, check or foreign_key',
          });
      }
    }
    return `  ${parts.join(' ')}`;
  });
  for (const constraint of tableConstraints) {
    const list = (constraint.columns ?? []).map(quoteIdent).join(', ');
    const key = (constraint.columns ?? []).join('_');
    switch (constraint.type) {
      case 'primary_key':
        definitions.push(`  ${named(key, 'pkey', constraint.name)}primary key (${list})`);
        break;
      case 'unique':
        definitions.push(`  ${named(key, 'key', constraint.name)}unique (${list})`);
        break;
      case 'check':
        definitions.push(`  ${named('', 'check', constraint.name)}check (${constraint.expression})`);
        break;
      case 'custom':
        definitions.push(`  ${constraint.expression}`);
        break;
      case 'foreign_key': {
        const target = constraint.to
          ? `${constraint.to}${constraint.to_columns?.length ? ` (${constraint.to_columns.map(quoteIdent).join(', ')})` : ''}`
          : constraint.expression;
        definitions.push(`  ${named(key, 'fkey', constraint.name)}foreign key (${list}) references ${target}`);
        break;
      }
      default:
        break;
    }
  }
  return { sql: `create table ${quoteRelation(relation)} (\n${definitions.join(',\n')}\n)`, names };
}

/** `insert into <scratch> (<declared columns>) select <declared columns> from (<query>)`. */
export function insertContractRows(relation: Relation, columns: ContractColumn[], sql: string): string {
  const list = columns.map((c) => quoteIdent(c.name)).join(', ');
  return `insert into ${quoteRelation(relation)} (${list})\nselect ${list} from (\n${sql}\n) as strata_contract`;
}

/** Postgres's own style (`<table>_pkey`, `<table>_<column>_key`), shortened with a hash past 63 bytes. */
function constraintName(table: string, column: string, suffix: string): string {
  const name = suffix === 'pkey' ? `${table}_pkey` : column === '' ? `${table}_${suffix}` : `${table}_${column}_${suffix}`;
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER) return name;
  const hash = createHash('md5').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - suffix.length - hash.length - 2)}_${hash}_${suffix}`;
}
