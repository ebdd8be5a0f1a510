/**
 * The mapping to dbt's manifest shape, as a function (no CLI, no database): a node of each resource
 * type, with configs a project may set, gives a manifest valid against dbt's manifest v12 schema.
 */
import { describe, expect, it } from 'vitest';
import { dbtManifestMembers } from '../../compiler/artifacts/dbt-manifest.js';
import type { ArtifactContext } from '../../compiler/artifacts/dbt-node.js';
import { RawJson, StreamedObject } from '../../compiler/artifacts/json-stream.js';
import type { Manifest, ManifestNode, NodeId } from '../../compiler/manifest/types.js';
import { schemaErrors } from './dbt-schemas.js';

const context: ArtifactContext = { projectName: 'shop', targetPath: 'target', adapterType: 'postgres', database: 'postgres', invocationId: 'i', generatedAt: '2026-01-02T03:04:05.000Z' };

function node(resourceType: ManifestNode['resourceType'], name: string, extra: Partial<ManifestNode> = {}): ManifestNode {
  return {
    id: `${resourceType}.shop.${name}` as NodeId,
    resourceType,
    name,
    packageName: 'shop',
    path: `models/${name}.sql`,
    fqn: ['shop', name],
    rawSql: 'select 1\n',
    checksum: 'x',
    config: { materialized: 'view', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] },
    dependsOn: { nodes: [], macros: [] },
    refs: [],
    sources: [],
    schema: 'public',
    alias: name,
    columns: {},
    ...extra,
  };
}

/** The manifest members, resolved into plain JSON as the streaming writer writes them. */
function document(manifest: Manifest, compiled: ReadonlyMap<string, string> = new Map()): Record<string, unknown> {
  const resolve = (value: unknown): unknown =>
    value instanceof StreamedObject
      ? Object.fromEntries([...value.entries()].map(([key, item]) => [key, item instanceof RawJson ? JSON.parse(item.text) : item]))
      : value;
  return Object.fromEntries(dbtManifestMembers(manifest, context, (n) => `target/compiled/shop/${n.path}`, compiled).map(([key, value]) => [key, resolve(value)]));
}

describe("dbt's manifest shape", () => {
  it('maps a node of each resource type to a valid manifest', () => {
    const model = node('model', 'orders', {
      config: {
        materialized: 'incremental', enabled: true, tags: ['nightly'], pre_hook: ['select 1'], post_hook: [], indexes: [{ columns: ['id'] }],
        unique_key: ['id'], contract: { enforced: true }, meta: { owner: 'a' }, incremental_strategy: 'merge', on_schema_change: 'append_new_columns',
      },
      columns: { id: { name: 'id', data_type: 'integer', constraints: [{ type: 'not_null' }] } },
      patchPath: 'models/schema.yml',
    });
    const snapshot = node('snapshot', 'orders_snapshot', {
      config: { materialized: 'snapshot', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [], strategy: 'timestamp', unique_key: 'id', updated_at: 'updated_at' },
    });
    const seed = node('seed', 'countries', { path: 'seeds/countries.csv', rawSql: '', config: { materialized: 'seed', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [], column_types: { id: 'int' } } });
    const generic = node('test', 'not_null_orders_id', {
      path: 'models/schema.yml',
      config: { materialized: 'test', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [], severity: 'warn', where: 'id > 0', limit: 5 },
      dependsOn: { nodes: [model.id], macros: ['test_not_null'] },
      test: { name: 'not_null', kwargs: { column_name: 'id' }, columnName: 'id', attachedNode: model.id },
    });
    const singular = node('test', 'assert_positive', { path: 'tests/assert_positive.sql', config: { materialized: 'test', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] } });
    const manifest: Manifest = {
      projectName: 'shop',
      nodes: Object.fromEntries([model, snapshot, seed, generic, singular].map((n) => [n.id, n])),
      sources: {},
      macros: { test_not_null: { name: 'test_not_null', path: '(builtin)', dependsOn: [], checksum: '' } },
      generatedAt: context.generatedAt,
    };
    const written = document(manifest, new Map([[model.id, 'select 1']]));
    expect(schemaErrors('manifest/v12', written)).toEqual([]);
    const nodes = written.nodes as Record<string, Record<string, any>>;
    expect(nodes[model.id]!.config).toMatchObject({ materialized: 'incremental', 'pre-hook': [{ sql: 'select 1', transaction: true, index: 0 }], contract: { enforced: true, alias_types: true }, access: 'protected' });
    expect(nodes[snapshot.id]!.config).toMatchObject({ strategy: 'timestamp', updated_at: 'updated_at' });
    expect(nodes[snapshot.id]!.config.access).toBeUndefined();
    expect(nodes[generic.id]!).toMatchObject({ path: 'not_null_orders_id.sql', file_key_name: 'models.orders', attached_node: model.id, test_metadata: { name: 'not_null', namespace: null } });
    expect(nodes[generic.id]!.config.severity).toBe('WARN');
    expect(nodes[generic.id]!.depends_on.macros).toEqual(['macro.dbt.test_not_null']);
    expect((written.child_map as Record<string, string[]>)[model.id]).toEqual([generic.id]);
    expect(nodes[model.id]).toMatchObject({ compiled: true, compiled_code: 'select 1', compiled_path: 'target/compiled/shop/models/orders.sql' });
    expect(nodes[snapshot.id]).toMatchObject({ compiled: false, compiled_code: null, compiled_path: null });
  });
});
