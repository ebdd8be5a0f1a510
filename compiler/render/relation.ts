import { quoteIdent } from '../sql/quote.js';
import { splitKeywords } from './render-scope.js';


export type RelationType = 'table' | 'view' | 'cte' | 'materialized_view' | 'external' | null;

/**
 * What `ref()`, `source()`, `this`, `api.Relation.create()` and `adapter.get_relation()` return in
 * templates: prints as the quoted relation name, and behaves like dbt's Relation (`schema`,
 * `identifier`, `name`, `type`, `is_table`, `include()`, `incorporate()`, `metadata`).
 */
export class TemplateRelation {
  constructor(
    readonly schema: string,
    readonly identifier: string,
    readonly type: RelationType = null,
    readonly database: string | null = null,
    private readonly parts = { database: false, schema: true, identifier: true },
  ) {}
  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get is_table(): boolean {
    return this.type === 'table';
  }
  get is_view(): boolean {
    return this.type === 'view';
  }
  get is_cte(): boolean {
    return this.type === 'cte';
  }
  get is_materialized_view(): boolean {
    return this.type === 'materialized_view';
  }
  /** dbt code recognises a relation by `obj.get('metadata').type` ending with `Relation`. */
  get metadata(): { type: string } {
    return { type: 'PostgresRelation' };
  }
  get(key: string, fallback?: unknown): unknown {
    const value = (this as unknown as Record<string, unknown>)[key];
    return value === undefined ? (fallback ?? null) : value;
  }
  render(): string {
    return this.toString();
  }
  quote(): this {
    return this;
  }
  /** `relation.information_schema('columns')`: that view of the relation's database's information_schema. */
  information_schema(view?: unknown): TemplateRelation {
    return new TemplateRelation('information_schema', view === undefined || view === null ? '' : String(view), 'view', this.database, {
      database: this.database !== null,
      schema: true,
      identifier: view !== undefined && view !== null,
    });
  }
  /** `relation.include(database=False, schema=False)`: a copy that prints only the parts kept. */
  include(...args: unknown[]): TemplateRelation {
    const k = splitKeywords(args).keywords;
    const pick = (key: 'database' | 'schema' | 'identifier') => (k[key] === undefined ? this.parts[key] : k[key] !== false && k[key] !== null);
    return new TemplateRelation(this.schema, this.identifier, this.type, this.database, {
      database: pick('database'),
      schema: pick('schema'),
      identifier: pick('identifier'),
    });
  }
  /** `relation.incorporate(type='table', path={'identifier': 'x'})`: a copy with those fields replaced. */
  incorporate(...args: unknown[]): TemplateRelation {
    const k = splitKeywords(args).keywords;
    const path = (k.path && typeof k.path === 'object' ? k.path : {}) as Record<string, unknown>;
    const text = (value: unknown, fallback: string) => (value === undefined || value === null ? fallback : String(value));
    return new TemplateRelation(
      text(path.schema, this.schema),
      text(path.identifier, this.identifier),
      k.type === undefined ? this.type : (k.type as RelationType),
      path.database === undefined ? this.database : (path.database as string | null),
      this.parts,
    );
  }
  toString(): string {
    const names: string[] = [];
    if (this.parts.database && this.database) names.push(this.database);
    if (this.parts.schema && this.schema) names.push(this.schema);
    if (this.parts.identifier && this.identifier) names.push(this.identifier);
    return names.map((n) => quoteIdent(n)).join('.');
  }
}

/** A relation inlined as a CTE (an ephemeral model): prints as the CTE's name. */
export class CteRelation extends TemplateRelation {
  constructor(schema: string, identifier: string) {
    super(schema, identifier, 'cte');
  }
  override toString(): string {
    return this.identifier;
  }
}

/**
 * A ref or source under `--empty`: prints as a subquery of no rows with the relation's columns, as dbt's
 * `render_limited` does; `render()` still gives the relation's name (macros that need the real relation).
 *
 * @example String(new EmptyRelation('shop', 'orders'))  // '(select * from "shop"."orders" where false limit 0) _dbt_limit_subq_orders'
 */
export class EmptyRelation extends TemplateRelation {
  override toString(): string {
    return `(select * from ${super.toString()} where false limit 0) ${quoteIdent(`_dbt_limit_subq_${this.identifier}`)}`;
  }
  override render(): string {
    return super.toString();
  }
}

/**
 * In the parse pass the real relation is not known yet: the placeholder prints as a token that the
 * compile pass replaces. Reading any of its fields means the template depends on the real values, so
 * the node is marked for a full second render.
 */
export class PlaceholderRelation {
  constructor(
    private readonly token: string,
    private readonly taint: () => void,
    private readonly guess: { schema: string; identifier: string },
  ) {}
  get schema(): string {
    this.taint();
    return this.guess.schema;
  }
  get identifier(): string {
    this.taint();
    return this.guess.identifier;
  }
  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get database(): undefined {
    this.taint();
    return undefined;
  }
  get type(): null {
    this.taint();
    return null;
  }
  get is_cte(): boolean {
    return false;
  }
  get is_table(): boolean {
    this.taint();
    return false;
  }
  get is_view(): boolean {
    this.taint();
    return false;
  }
  get metadata(): { type: string } {
    return { type: 'PostgresRelation' };
  }
  get(key: string, fallback?: unknown): unknown {
    const value = (this as unknown as Record<string, unknown>)[key];
    return value === undefined ? (fallback ?? null) : value;
  }
  render(): string {
    return this.token;
  }
  quote(): this {
    return this;
  }
  include(): PlaceholderRelation {
    this.taint();
    return this;
  }
  incorporate(): PlaceholderRelation {
    this.taint();
    return this;
  }
  information_schema(view?: unknown): TemplateRelation {
    this.taint();
    return new TemplateRelation(this.guess.schema, this.guess.identifier).information_schema(view);
  }
  toString(): string {
    return this.token;
  }
}

/** Tokens the parse pass leaves in the rendered SQL: `__strata_ref_0__`, `__strata_src_1__`, `__strata_this__`. */
export const TOKEN_PATTERN = /__strata_(ref|src)_(\d+)__|__strata_this__/g;
export const TOKEN_REMNANT = /__strata_(ref|src|this)/i;
