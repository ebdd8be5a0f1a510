/**
 * Fingerprints comparable with a manifest.json written by dbt itself, which has none of ours. Same
 * `<body>.<config>.<macros>` layout as graph/state-fingerprint.ts, so `state:modified.body|configs|macros`
 * pick the same parts, but made of what dbt records, computed the same way on both sides:
 * - body: dbt's file checksum (sha256 of the file text, whitespace stripped; a seed's CSV); none for
 *   generic tests and unit tests, whose checksums dbt computes from its own parse of the YAML;
 * - config: the node config in dbt's shape with dbt's defaults and empty values left out;
 * - macros: the text of the project and package macros the node calls, directly or not (dbt's own
 *   built-in macros are left out: theirs and ours differ by design).
 * Unlike our own fingerprint (compiled SQL), a changed var or upstream ephemeral model does not count as
 * a change here; that is also how dbt compares.
 */
import { hash as digest } from 'node:crypto';
import { join } from 'node:path';
import { stableJson } from '../graph/state-fingerprint.js';
import type { ManifestNode } from '../manifest/types.js';
import type { ParsedProject } from '../render/parse-project.js';
import { fileDigest } from '../project/file-digest.js';
import { dbtConfig, isRecord } from './dbt-config.js';
import { macroUniqueId } from './dbt-node.js';

/** dbt's node fields `--state` reads when a manifest carries no fingerprints of ours. */
export interface DbtStateNode {
  resource_type?: string;
  checksum?: { name?: string; checksum?: string } | string | null;
  config?: Record<string, unknown>;
  depends_on?: { macros?: string[] };
  test_metadata?: unknown;
}

export interface DbtStateMacro {
  package_name?: string;
  macro_sql?: string;
  depends_on?: { macros?: string[] };
}

/** Packages whose macros are the engine's, not the project's: never compared. */
const ENGINE_PACKAGES = new Set(['dbt', 'dbt_postgres']);

/**
 * The fingerprint of a node of a dbt-written manifest.
 *
 * @example dbtStateFingerprint(dbtManifest.nodes['model.jaffle.orders'], dbtManifest.macros)  // 'a1b2….c3d4….e5f6…'
 */
export function dbtStateFingerprint(node: DbtStateNode, macros: Record<string, DbtStateMacro>): string {
  // A generic test has no file of its own: its checksum says nothing comparable.
  const checksum = node.test_metadata ? '' : typeof node.checksum === 'string' ? node.checksum : (node.checksum?.checksum ?? '');
  const called: string[] = [];
  const seen = new Set<string>();
  const stack = [...(node.depends_on?.macros ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const macro = macros[id];
    if (!macro || ENGINE_PACKAGES.has(macro.package_name ?? id.split('.')[1] ?? '')) continue;
    called.push(`${id}:${hash(macro.macro_sql ?? '')}`);
    stack.push(...(macro.depends_on?.macros ?? []));
  }
  return parts(checksum, node.config ?? {}, called);
}

/**
 * The same fingerprint for a node of the current project.
 *
 * @example currentDbtFingerprint(parsed, parsed.manifest.nodes['model.pagila.dim_customer'])
 */
export function currentDbtFingerprint(parsed: ParsedProject, node: ManifestNode): string {
  const kind = node.resourceType === 'seed' || node.resourceType === 'snapshot' || node.resourceType === 'model' ? node.resourceType : 'test';
  let checksum = '';
  if (node.resourceType === 'seed') {
    try {
      checksum = fileDigest(parsed.project.root, node.path, 'sha256');
    } catch {
      checksum = '';
    }
  } else if (node.resourceType !== 'unit_test' && node.test?.name === undefined && node.rawSql) {
    checksum = digest('sha256', node.rawSql.trim(), 'hex');
  }
  const macros = parsed.renderer.macros;
  const called: string[] = [];
  const seen = new Set<string>();
  const stack = [...node.dependsOn.macros];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const macro = macros.get(key);
    if (!macro || macro.body === undefined || ENGINE_PACKAGES.has(macro.package)) continue;
    const id = macroUniqueId(key, { name: macro.name, path: macro.path, dependsOn: [], checksum: '' }, parsed.project.name);
    called.push(`${id}:${hash(macro.body)}`);
    stack.push(...macro.calls.map((name) => (macros.has(`${macro.package}.${name}`) ? `${macro.package}.${name}` : name)));
  }
  // A unit test's checksum is dbt's hash of its YAML definition, which we do not reproduce: only its
  // config and macros are compared.
  return parts(checksum, dbtConfig(node.config, kind), called);
}

function parts(checksum: string, config: Record<string, unknown>, macros: string[]): string {
  return `${checksum.slice(0, 12)}.${hash(stableJson(comparableConfig(config)))}.${hash(macros.sort().join(','))}`;
}

/** dbt's defaults, which a config leaves out without meaning anything different. */
const DEFAULTS: Record<string, unknown> = {
  enabled: true,
  on_schema_change: 'ignore',
  on_configuration_change: 'apply',
  access: 'protected',
  lookback: 1,
  fail_calc: 'count(*)',
  warn_if: '!= 0',
  error_if: '!= 0',
  severity: 'ERROR',
  delimiter: ',',
  docs: { show: true, node_color: null },
  contract: { enforced: false, alias_types: true },
};

/** A config with defaults and empty values left out, hooks as their SQL, tags sorted. */
export function comparableConfig(config: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(config)) {
    let value = config[key];
    if (key === '_extra' || key === 'packages') continue;
    if (key === 'pre-hook' || key === 'post-hook') value = Array.isArray(value) ? value.map((h) => (isRecord(h) ? h.sql : h)) : value;
    if (key === 'tags' && Array.isArray(value)) value = [...value].map(String).sort();
    if (key === 'severity' && typeof value === 'string') value = value.toUpperCase();
    if (key === 'schema' && value === 'dbt_test__audit') continue;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isRecord(value) && Object.keys(value).length === 0) continue;
    if (key in DEFAULTS && stableJson(DEFAULTS[key]) === stableJson(value)) continue;
    result[key] = value;
  }
  return result;
}

function hash(text: string): string {
  return digest('sha1', text, 'hex').slice(0, 12);
}
