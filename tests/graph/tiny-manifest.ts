/**
 * A small hand-built manifest for the graph suites, and terse constructors for nodes.
 *
 *   source raw.customers ─▶ stg_customers ─▶ dim_customers ─┐
 *   source raw.orders ────▶ stg_orders ──▶ int_orders ──────┴▶ fct_orders ─▶ report
 *   seed countries ───────────────────────▲
 *   old_model (disabled, no edges)
 *
 * Tests: unique_dim_customers_id, not_null_stg_orders_id, relationships_fct_orders_customer_id
 * (fct_orders + dim_customers), assert_positive_totals (singular, fct_orders),
 * not_null_raw_customers_id (on a source).
 */
import type { Manifest, ManifestNode, NodeConfig, NodeId, SourceTable } from '../../compiler/manifest/types.js';

export const id = (value: string): NodeId => value as NodeId;

interface NodeSpec {
  path: string;
  deps?: string[];
  config?: Partial<NodeConfig>;
  test?: ManifestNode['test'];
}

/** `node('model.p.stg_a', { path: 'models/staging/stg_a.sql', deps: ['source.p.raw.a'] })` */
export function node(nodeId: string, spec: NodeSpec): ManifestNode {
  const [resourceType, packageName, name] = nodeId.split('.') as [ManifestNode['resourceType'], string, string];
  const folders = spec.path.split('/').slice(1, -1);
  return {
    id: id(nodeId),
    resourceType,
    name,
    packageName,
    path: spec.path,
    fqn: [packageName, ...folders, name],
    rawSql: '',
    checksum: '',
    config: {
      materialized: resourceType === 'test' ? 'test' : resourceType === 'seed' ? 'seed' : 'view',
      enabled: true,
      tags: [],
      pre_hook: [],
      post_hook: [],
      indexes: [],
      ...spec.config,
    },
    dependsOn: { nodes: (spec.deps ?? []).map(id), macros: [] },
    refs: [],
    sources: [],
    schema: 'p',
    alias: name,
    columns: {},
    ...(spec.test ? { test: spec.test } : {}),
  };
}

/** `source('source.p.raw.customers', 'models/sources.yml')` */
export function source(nodeId: string, path: string, tags: string[] = []): SourceTable {
  const [, packageName, sourceName, name] = nodeId.split('.') as [string, string, string, string];
  return {
    id: id(nodeId),
    resourceType: 'source',
    sourceName,
    name,
    packageName,
    path,
    fqn: [packageName, ...path.split('/').slice(1, -1), sourceName, name],
    schema: sourceName,
    identifier: name,
    columns: {},
    tags,
    config: { enabled: true, tags: [] },
  };
}

export function manifestOf(...items: (ManifestNode | SourceTable)[]): Manifest {
  const manifest: Manifest = { projectName: 'p', nodes: {}, sources: {}, macros: {}, generatedAt: '' };
  for (const item of items) {
    if (item.resourceType === 'source') manifest.sources[item.id] = item;
    else manifest.nodes[item.id] = item;
  }
  return manifest;
}

const generic = (name: string, attached: string) => ({ name, kwargs: {}, attachedNode: id(attached) });

export function tinyManifest(): Manifest {
  return manifestOf(
    source('source.p.raw.customers', 'models/staging/sources.yml', ['pii']),
    source('source.p.raw.orders', 'models/staging/sources.yml'),
    node('seed.p.countries', { path: 'seeds/countries.csv' }),
    node('model.p.stg_customers', {
      path: 'models/staging/stg_customers.sql',
      deps: ['source.p.raw.customers'],
      config: { tags: ['staging'] },
    }),
    node('model.p.stg_orders', {
      path: 'models/staging/stg_orders.sql',
      deps: ['source.p.raw.orders'],
      config: { tags: ['staging'] },
    }),
    node('model.p.int_orders', {
      path: 'models/intermediate/int_orders.sql',
      deps: ['model.p.stg_orders', 'seed.p.countries'],
      config: { materialized: 'ephemeral' },
    }),
    node('model.p.dim_customers', {
      path: 'models/gold/dim_customers.sql',
      deps: ['model.p.stg_customers'],
      config: { materialized: 'table', tags: ['gold', 'pii'] },
    }),
    node('model.p.fct_orders', {
      path: 'models/gold/fct_orders.sql',
      deps: ['model.p.int_orders', 'model.p.dim_customers'],
      config: { materialized: 'table', tags: ['gold'], grants: ['analyst', 'bi'] },
    }),
    node('model.p.report', { path: 'models/reports/report.sql', deps: ['model.p.fct_orders'] }),
    node('model.p.old_model', {
      path: 'models/gold/old_model.sql',
      config: { enabled: false, tags: ['gold'] },
    }),
    node('test.p.unique_dim_customers_id', {
      path: 'models/gold/schema.yml',
      deps: ['model.p.dim_customers'],
      test: generic('unique', 'model.p.dim_customers'),
    }),
    node('test.p.not_null_stg_orders_id', {
      path: 'models/staging/schema.yml',
      deps: ['model.p.stg_orders'],
      test: generic('not_null', 'model.p.stg_orders'),
    }),
    node('test.p.relationships_fct_orders_customer_id', {
      path: 'models/gold/schema.yml',
      deps: ['model.p.dim_customers', 'model.p.fct_orders'],
      test: generic('relationships', 'model.p.fct_orders'),
    }),
    node('test.p.assert_positive_totals', { path: 'tests/sql/assert_positive_totals.sql', deps: ['model.p.fct_orders'] }),
    node('test.p.not_null_raw_customers_id', {
      path: 'models/staging/sources.yml',
      deps: ['source.p.raw.customers'],
      test: generic('not_null', 'source.p.raw.customers'),
    }),
  );
}
