import type { Exposure } from '../manifest/types.js';

/**
 * One exposure in manifest v12's shape (`exposures` of manifest.json).
 *
 * @example dbtExposure(manifest.exposures['exposure.pagila.customer_health'], createdAt).depends_on.nodes
 *   // ['model.pagila.gold_customer_metrics', 'model.pagila.fct_payment']
 */
export function dbtExposure(exposure: Exposure, createdAt: number): Record<string, unknown> {
  const config: Record<string, unknown> = { enabled: true, tags: exposure.config.tags, meta: exposure.config.meta };
  return {
    name: exposure.name,
    resource_type: 'exposure',
    package_name: exposure.packageName,
    path: exposure.path.split('/').slice(1).join('/'),
    original_file_path: exposure.path,
    unique_id: exposure.id,
    fqn: exposure.fqn,
    type: exposure.type,
    owner: { email: exposure.owner.email ?? null, name: exposure.owner.name ?? null },
    description: exposure.description ?? '',
    label: exposure.label ?? null,
    maturity: exposure.maturity ?? null,
    meta: exposure.meta,
    tags: exposure.tags,
    config,
    unrendered_config: {},
    url: exposure.url ?? null,
    depends_on: { macros: [], nodes: exposure.dependsOn.nodes },
    refs: exposure.refs.map((ref) => ({ name: ref.name, package: ref.package ?? null, version: null })),
    sources: exposure.sources.map((call) => [call.source, call.table]),
    metrics: [],
    created_at: createdAt,
  };
}
