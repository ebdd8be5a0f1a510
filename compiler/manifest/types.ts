/**
 * The data every stage after `render` reads: the manifest of nodes. Plain, serializable data
 * (written as target/manifest.json).
 */

/**
 * `model.pagila.dim_customer`, `seed.pagila.customer`, `snapshot.pagila.customer_history`,
 * `source.pagila.pagila.customer`, `test.pagila.unique_x_id`,
 * `unit_test.pagila.gold_customer_metrics.tier_boundaries` (as dbt: unit tests are named per model).
 */
export type NodeId = string & { readonly __brand: 'NodeId' };

export const nodeId = (value: string): NodeId => value as NodeId;

/** `analysis`: SQL under `analysis-paths`, compiled by `strata compile`, never run. */
export type ResourceType = 'model' | 'seed' | 'snapshot' | 'source' | 'test' | 'unit_test' | 'analysis';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral' | 'seed' | 'snapshot' | 'test';

export interface IndexConfig {
  columns: string[];
  unique?: boolean;
  type?: string;
}

export interface NodeConfig {
  materialized: Materialization;
  enabled: boolean;
  schema?: string;
  alias?: string;
  database?: string;
  tags: string[];
  pre_hook: string[];
  post_hook: string[];
  indexes: IndexConfig[];
  /** Seeds: column name → Postgres type. */
  column_types?: Record<string, string>;
  /** Incremental models. */
  unique_key?: string | string[];
  /** Tests. */
  severity?: 'error' | 'warn';
  /** Everything else the user set, kept as given (`meta`, `contract`, ...). */
  [key: string]: unknown;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface RefCall {
  package?: string;
  name: string;
  /** `ref('m', v=2)` / `ref('m', version=2)`: a pinned version of a versioned model. */
  version?: string | number;
  position?: SourcePosition;
  /** Written only in SQL line comments (`-- depends_on: {{ ref('x') }}`): orders the node, reads nothing. */
  commentOnly?: boolean;
}

export interface SourceCall {
  source: string;
  table: string;
  position?: SourcePosition;
}

export interface ColumnInfo {
  name: string;
  description?: string;
  data_type?: string;
  [key: string]: unknown;
}

export interface TestMetadata {
  /** Generic test macro name (`unique`, `not_null`, ...); absent for singular tests. */
  name?: string;
  kwargs: Record<string, unknown>;
  columnName?: string;
  /** The model/seed/source the test is attached to. */
  attachedNode?: NodeId;
  /** Where a generic test was applied (its YAML entry). */
  position?: SourcePosition;
}

/** One `given:` input of a unit test: the rows that stand in for a ref, a source or `this`. */
export interface UnitTestInput {
  /** As written: `ref('fct_rental')`, `source('pagila', 'payment')`, `this`. */
  input: string;
  /** What it stands for: `{kind: 'ref', name}`, `{kind: 'source', source, table}`, `{kind: 'this'}`. */
  target: { kind: 'ref'; name: string } | { kind: 'source'; source: string; table: string } | { kind: 'this' };
  /** The rows, from a list of mappings or from CSV text (CSV cells are strings; an empty cell is null). */
  rows: Record<string, unknown>[];
  /** `format: sql`: a query that gives the rows (from `rows:` or a fixture file), used as it is. */
  sql?: string;
}

/**
 * A dbt 1.8 unit test (`unit_tests:` in schema YAML). Its node has resource type `unit_test`; it depends
 * on the model it tests (so selecting the model selects it), but runs before that model is built, and
 * reads no relation: its inputs are literal rows.
 */
export interface UnitTestMetadata {
  /** The model under test. */
  model: NodeId;
  given: UnitTestInput[];
  /** The expected rows; only the columns they name are compared. */
  expect: Record<string, unknown>[];
  /** `overrides: {vars: {...}, macros: {is_incremental: true, ...}}`. */
  overrides: { vars: Record<string, unknown>; macros: Record<string, unknown> };
  /** The YAML entry. */
  position: SourcePosition;
}

export interface ManifestNode {
  id: NodeId;
  resourceType: Exclude<ResourceType, 'source'>;
  name: string;
  packageName: string;
  /** File path relative to the project root, forward slashes: `models/gold/gold_customer_metrics.sql`. */
  path: string;
  /** Path parts without the extension, from the resource folder: `['pagila', 'gold', 'gold_customer_metrics']`. */
  fqn: string[];
  rawSql: string;
  /** sha256 of the raw file text. */
  checksum: string;
  config: NodeConfig;
  /** `orderOnly`: the nodes only named in `-- depends_on:` comments, which need not exist before the run. */
  dependsOn: { nodes: NodeId[]; macros: string[]; orderOnly?: NodeId[] };
  refs: RefCall[];
  sources: SourceCall[];
  /** Resolved relation (after generate_schema_name / generate_alias_name). Ephemeral models have one too, unused. */
  schema: string;
  alias: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  /** Model-level `constraints:` from its YAML properties, as written (contracts apply them). */
  constraints?: Record<string, unknown>[];
  /** Where the YAML properties of this node came from, if any. */
  patchPath?: string;
  test?: TestMetadata;
  /** Unit tests (resource type `unit_test`) only. */
  unitTest?: UnitTestMetadata;
  /** A version of a versioned model (`versions:` in YAML): its `v`, and the model's latest. */
  version?: string | number;
  latestVersion?: string | number;
  /** `deprecation_date` from YAML: refs to the model warn (STR253). */
  deprecationDate?: string;
}

export interface SourceTable {
  id: NodeId;
  resourceType: 'source';
  sourceName: string;
  name: string;
  packageName: string;
  path: string;
  fqn: string[];
  schema: string;
  identifier: string;
  description?: string;
  columns: Record<string, ColumnInfo>;
  tags: string[];
  config: { enabled: boolean; tags: string[] };
  /** The seed that loads this very relation, if any: models reading the source then wait for it. */
  loadedBy?: NodeId;
  /** What `strata source freshness` checks (source level and table level merged); absent: not checked. */
  freshness?: FreshnessThreshold;
  loadedAtField?: string;
  /** dbt 1.10's `loaded_at_query` (`{{ this }}` is the table), instead of loadedAtField. */
  loadedAtQuery?: string;
  /** The description of the source the table belongs to. */
  sourceDescription?: string;
}

/** `warn_after: {count: 12, period: hour}`. */
export interface FreshnessTime {
  count: number;
  period: 'minute' | 'hour' | 'day';
}

export interface FreshnessThreshold {
  warn_after?: FreshnessTime;
  error_after?: FreshnessTime;
  /** SQL for a `where` clause of the freshness query. */
  filter?: string;
}

/** A `{% docs name %}...{% enddocs %}` block of a `.md` file. */
export interface DocBlock {
  name: string;
  packageName: string;
  /** File path relative to the project root. */
  path: string;
  contents: string;
}

/** A `groups:` entry of schema YAML. */
export interface GroupInfo {
  name: string;
  packageName: string;
  path: string;
  owner: Record<string, unknown>;
  description?: string;
  config?: Record<string, unknown>;
}

export type AnyNode = ManifestNode | SourceTable;

export type ExposureType = 'dashboard' | 'notebook' | 'analysis' | 'ml' | 'application';

/**
 * A dbt exposure: something outside the project that reads its models (a dashboard, a notebook, an
 * application), declared under `exposures:` in schema YAML or by a dashboard file of `dashboards/`.
 * A vertex of the graph with parents and no children; nothing runs for it.
 */
export interface Exposure {
  /** `exposure.pagila.customer_health`. */
  id: NodeId;
  resourceType: 'exposure';
  name: string;
  label?: string;
  type: ExposureType;
  packageName: string;
  /** The YAML file that declares it (a schema file, or the dashboard file). */
  path: string;
  fqn: string[];
  owner: { name?: string; email?: string | string[] };
  description?: string;
  url?: string;
  maturity?: 'low' | 'medium' | 'high';
  tags: string[];
  meta: Record<string, unknown>;
  config: { enabled: boolean; tags: string[]; meta: Record<string, unknown> };
  dependsOn: { nodes: NodeId[] };
  refs: RefCall[];
  sources: SourceCall[];
  /** Where it is declared. */
  position: SourcePosition;
  /** Set for the exposures of dashboard files: the dashboard's name in the docs site. */
  dashboard?: string;
}

export interface MacroInfo {
  name: string;
  path: string;
  /** Macros this macro's body calls by name (best effort, from the template's names). */
  dependsOn: string[];
  checksum: string;
}

export interface Manifest {
  projectName: string;
  nodes: Record<string, ManifestNode>;
  sources: Record<string, SourceTable>;
  macros: Record<string, MacroInfo>;
  /** Exposures by id; absent in manifests built without any. */
  exposures?: Record<string, Exposure>;
  /** Docs blocks by `doc.<package>.<name>`; groups by `group.<package>.<name>` (absent when none). */
  docs?: Record<string, DocBlock>;
  groups?: Record<string, GroupInfo>;
  /** Parent → children map is derived by graph/; this holds nothing derived. */
  generatedAt: string;
}

/** Data tests and unit tests: nodes that check others and build nothing a ref could point to. */
export function isTestNode(node: { resourceType: string }): boolean {
  return node.resourceType === 'test' || node.resourceType === 'unit_test';
}

/** Nodes nothing can ref and nothing builds a relation for: tests, unit tests and analyses. */
export function isUnrefable(node: { resourceType: string }): boolean {
  return node.resourceType === 'test' || node.resourceType === 'unit_test' || node.resourceType === 'analysis';
}
