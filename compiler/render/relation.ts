import { quoteRelation } from '../adapters/quote.js';

/**
 * What `ref()`, `source()` and `this` return in templates: prints as the quoted relation name, and
 * exposes `schema`, `identifier` (alias `name`, `table`) like dbt's Relation.
 */
export class TemplateRelation {
  constructor(
    readonly schema: string,
    readonly identifier: string,
  ) {}
  get name(): string {
    return this.identifier;
  }
  get table(): string {
    return this.identifier;
  }
  get database(): undefined {
    return undefined;
  }
  render(): string {
    return this.toString();
  }
  include(): TemplateRelation {
    return this;
  }
  toString(): string {
    return quoteRelation({ schema: this.schema, identifier: this.identifier });
  }
}

/** A relation inlined as a CTE (an ephemeral model): prints as the CTE's name. */
export class CteRelation extends TemplateRelation {
  override toString(): string {
    return this.identifier;
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
  render(): string {
    return this.token;
  }
  include(): PlaceholderRelation {
    return this;
  }
  toString(): string {
    return this.token;
  }
}

/** Tokens the parse pass leaves in the rendered SQL: `__strata_ref_0__`, `__strata_src_1__`, `__strata_this__`. */
export const TOKEN_PATTERN = /__strata_(ref|src)_(\d+)__|__strata_this__/g;
export const TOKEN_REMNANT = /__strata_(ref|src|this)/i;
