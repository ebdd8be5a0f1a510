/**
 * `--state DIR` and `--defer`: the manifest.json of an earlier run, compared node by node with the
 * current project (`state:new`, `state:modified`, `state:modified.body|configs|macros`), and the
 * relations it names, used for refs to nodes this run does not build.
 *
 * The manifest is in dbt's shape, written by Strata (its fingerprints are in strata_state.json beside
 * it) or by dbt itself (no fingerprints: artifacts/dbt-fingerprint.ts compares what dbt records, the
 * file checksum, the config and the called macros' text). Manifests of Strata before it wrote dbt's
 * shape (camelCase keys, fingerprints inline) are read too.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { currentDbtFingerprint, dbtStateFingerprint, type DbtStateMacro, type DbtStateNode } from '../artifacts/dbt-fingerprint.js';
import { STATE_FILE, readStrataState } from '../artifacts/strata-state.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { AnyNode, Manifest, NodeId } from '../manifest/types.js';
import type { ParsedProject } from '../render/parse-project.js';
import type { StateCheck } from './select-nodes.js';
import { FINGERPRINT_PARTS, fingerprintNodes } from './state-fingerprint.js';

/** The parts of an earlier manifest.json that `--state` reads. */
export interface StateManifest {
  nodes: Record<string, StateNode>;
  sources: Record<string, { schema?: string; identifier?: string }>;
}

export interface StateNode {
  resourceType?: string;
  schema?: string;
  alias?: string;
  /** Ours (graph/state-fingerprint.ts), from strata_state.json. */
  fingerprint?: string;
  /** When the manifest was written by dbt: the fingerprint of dbt's fields (artifacts/dbt-fingerprint.ts). */
  dbtFingerprint?: string;
  config?: { materialized?: string };
}

/**
 * Reads `<dir>/manifest.json` (or `dir` itself when it names a file).
 *
 * @example loadStateManifest('prod-artifacts').nodes['model.pagila.dim_customer'].fingerprint
 */
export function loadStateManifest(dir: string): StateManifest {
  const file = dir.endsWith('.json') ? resolve(dir) : join(resolve(dir), 'manifest.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new StrataError({
      code: 'STR160',
      message: `--state: no manifest.json at ${file}`,
      hint: 'point --state at the target/ directory of an earlier run (copy it aside before rebuilding)',
    });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new StrataError({ code: 'STR161', message: `--state: ${file} is not valid JSON: ${(error as Error).message}`, hint: 'point --state at the target/ directory of a finished run (this file is cut short or is not a manifest)' });
  }
  const metadata = parsed.metadata as { dbt_schema_version?: string; invocation_id?: string | null } | undefined;
  if (!metadata?.dbt_schema_version) return { nodes: (parsed.nodes ?? {}) as StateManifest['nodes'], sources: (parsed.sources ?? {}) as StateManifest['sources'] };
  return fromDbtManifest(parsed, readStrataState(join(dirname(file), STATE_FILE)), metadata.invocation_id ?? null);
}

interface DbtManifestNode extends DbtStateNode {
  schema?: string;
  alias?: string;
  config?: { materialized?: string; [key: string]: unknown };
}

/**
 * A manifest in dbt's shape. Our fingerprints are taken from strata_state.json only when it was
 * written by the same invocation (a dbt manifest copied over an old target/ keeps no stale ones).
 */
function fromDbtManifest(parsed: Record<string, unknown>, state: ReturnType<typeof readStrataState>, invocationId: string | null): StateManifest {
  const ours = state && state.metadata?.invocation_id === invocationId ? state.nodes : undefined;
  const macros = (parsed.macros ?? {}) as Record<string, DbtStateMacro>;
  const nodes: StateManifest['nodes'] = {};
  const add = (id: string, node: DbtManifestNode) => {
    const fingerprint = ours?.[id]?.fingerprint ?? undefined;
    nodes[id] = {
      resourceType: node.resource_type,
      schema: node.schema,
      alias: node.alias,
      config: { materialized: node.config?.materialized },
      ...(fingerprint !== undefined ? { fingerprint } : { dbtFingerprint: dbtStateFingerprint(node, macros) }),
    };
  };
  for (const [id, node] of Object.entries((parsed.nodes ?? {}) as Record<string, DbtManifestNode>)) {
    add(id, node);
    // dbt suffixes a generic test's id with a hash of its arguments (`test.shop.not_null_orders_id.5fb22c2a8b`);
    // ours has one only when the arguments do not fit the name: the test is known by both.
    const bare = node.test_metadata && node.resource_type === 'test' ? id.replace(/\.[0-9a-f]{10}$/, '') : id;
    if (bare !== id && !(bare in nodes)) add(bare, node);
  }
  for (const [id, node] of Object.entries((parsed.unit_tests ?? {}) as Record<string, DbtManifestNode>)) add(id, { ...node, checksum: null });
  const sources: StateManifest['sources'] = {};
  for (const [id, source] of Object.entries((parsed.sources ?? {}) as Record<string, { schema?: string; identifier?: string }>)) {
    sources[id] = { schema: source.schema, identifier: source.identifier };
  }
  return { nodes, sources };
}

/**
 * The `state` callback of selectNodes for a saved manifest: fingerprints every current node (the same
 * change detection as watch mode) and compares.
 *
 * @example selectNodes(manifest, dag, { select: ['state:modified+'], state: stateCheck(parsed, loadStateManifest('old')) })
 */
export function stateCheck(parsed: ParsedProject, state: StateManifest): StateCheck {
  // Compiling every node costs: only when the saved manifest has fingerprints of ours to compare with.
  let current: Map<NodeId, string> | undefined;
  const ours = (id: NodeId) => (current ??= fingerprintNodes(parsed)).get(id) ?? '';
  return (node: AnyNode, criterion: string) => {
    if (node.resourceType === 'source') {
      const before = state.sources[node.id];
      if (!before) return criterion === 'new';
      return criterion.startsWith('modified') && (before.schema !== node.schema || before.identifier !== node.identifier);
    }
    const before = state.nodes[node.id];
    if (!before) return criterion === 'new';
    if (!criterion.startsWith('modified')) return false;
    const dbtShaped = before.fingerprint === undefined && before.dbtFingerprint !== undefined;
    const now = dbtShaped ? currentDbtFingerprint(parsed, node) : ours(node.id);
    const then = (dbtShaped ? before.dbtFingerprint : before.fingerprint) ?? '';
    const part = FINGERPRINT_PARTS[criterion.slice('modified.'.length) as keyof typeof FINGERPRINT_PARTS];
    if (part === undefined) return now !== then;
    return now.split('.')[part] !== then.split('.')[part];
  };
}

/**
 * `--defer`: a model or seed this run does not build, and that the saved manifest knows, is read from
 * the relation named there. Returns a new manifest in which those nodes are copies with the saved
 * `schema`/`alias` (the parsed one is not changed), for the compile pass and the upstream check, and
 * the ids deferred.
 *
 * @example const { manifest } = deferToState(parsed.manifest, selection.ids, loadStateManifest('prod-artifacts'))
 */
export function deferToState(manifest: Manifest, selected: readonly NodeId[], state: StateManifest): { manifest: Manifest; deferred: NodeId[] } {
  const building = new Set(selected);
  const deferred: NodeId[] = [];
  const nodes = { ...manifest.nodes };
  for (const node of Object.values(manifest.nodes)) {
    if (building.has(node.id) || node.resourceType === 'test' || node.config.materialized === 'ephemeral') continue;
    const before = state.nodes[node.id];
    if (!before?.schema || !before.alias || before.config?.materialized === 'ephemeral') continue;
    nodes[node.id] = { ...node, schema: before.schema, alias: before.alias };
    deferred.push(node.id);
  }
  return { manifest: deferred.length === 0 ? manifest : { ...manifest, nodes }, deferred };
}
