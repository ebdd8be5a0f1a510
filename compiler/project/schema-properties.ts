/**
 * What schema YAML files say about a project's nodes, sources, versions, groups and unit tests, as
 * readSchemaProperties (schema-yaml.ts) returns it.
 */
import type { ColumnInfo, FreshnessThreshold } from '../manifest/types.js';
import type { DocLookup } from './doc-blocks.js';
import type { ExposureDefinition } from './exposure-yaml.js';

/** Where a YAML entry sits. */
export interface YamlPlace {
  file: string;
  line: number;
  column: number;
}

/** A generic test applied in YAML to a model, seed or source table (or one of its columns). */
export interface TestDefinition extends YamlPlace {
  /** The generic test's macro name without the `test_` prefix: `unique`, `relationships`, `my_custom`. */
  testName: string;
  kwargs: Record<string, unknown>;
  config: Record<string, unknown>;
  /** `version`: a test of one version of a versioned model (`versions:` in YAML). */
  attachedTo: { kind: 'model' | 'seed' | 'source'; name: string; sourceName?: string; version?: string | number };
  columnName?: string;
  /** A `name:` the user gave the test. */
  customName?: string;
}

export interface NodeProperties extends YamlPlace {
  name: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  config: Record<string, unknown>;
  /** Model-level `constraints:` (over one or more `columns:`), as written. */
  constraints?: Record<string, unknown>[];
  /**
   * The properties of one version of a versioned model are kept under the name of its file
   * (`dim_customers_v2`, or `defined_in`): these say which model and version it is.
   */
  versionOf?: string;
  version?: string | number;
  latestVersion?: string | number;
  /** `deprecation_date` of a model or of one of its versions, as written. */
  deprecationDate?: string;
}

/** A versioned model: where its `versions:` are, and the file name of each version. */
export interface VersionedModel extends YamlPlace {
  name: string;
  latestVersion: string | number;
  versions: (YamlPlace & { v: string | number; fileName: string })[];
}

/** A `groups:` entry. */
export interface GroupDefinition extends YamlPlace {
  name: string;
  owner: Record<string, unknown>;
  description?: string;
  config: Record<string, unknown>;
}

export interface SourceTableDefinition extends YamlPlace {
  name: string;
  identifier?: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  tags: string[];
  enabled: boolean;
  /** The source's and the table's `freshness` merged: null when turned off, absent when neither sets it. */
  freshness?: FreshnessThreshold | null;
  loadedAtField?: string;
  /** dbt 1.10's `loaded_at_query`: SQL giving the time of the newest load (instead of loaded_at_field). */
  loadedAtQuery?: string;
}

export interface SourceDefinition extends YamlPlace {
  name: string;
  schema?: string;
  database?: string;
  description?: string;
  tables: SourceTableDefinition[];
}

/** A dbt-style unit test, kept as written; the test stage interprets it. */
export interface UnitTestDefinition extends YamlPlace {
  name: string;
  model: string;
  given: unknown[];
  expect: unknown;
  overrides?: unknown;
  config: Record<string, unknown>;
  description?: string;
}

export interface SchemaProperties {
  models: Map<string, NodeProperties>;
  /** `analyses:` entries (description, columns, config). */
  analyses: Map<string, NodeProperties>;
  seeds: Map<string, NodeProperties>;
  sources: SourceDefinition[];
  tests: TestDefinition[];
  unitTests: UnitTestDefinition[];
  exposures: ExposureDefinition[];
  groups: GroupDefinition[];
  /** Models with `versions:` (empty in most projects: versions cost nothing when unused). */
  versioned: Map<string, VersionedModel>;
}

/** The docs blocks a package's descriptions may call with `{{ doc(...) }}`. */
export interface DocContext {
  lookup: DocLookup;
  packageName: string;
}
