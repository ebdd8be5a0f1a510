/**
 * `--state DIR` and `--defer`: the manifest.json of an earlier run, compared node by node with the
 * current project (`state:new`, `state:modified`, `state:modified.body|configs|macros`), and the
 * relations it names, used for refs to nodes this run does not build.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrataError } from '../diagnostics/strata-error.js';
import type { AnyNode, Manifest, NodeId } from '../manifest/types.js';
import type { ParsedProject } from '../render/parse-project.js';
import type { StateCheck } from './select-nodes.js';
import { FINGERPRINT_PARTS, fingerprintNodes } from './state-fingerprint.js';

/** The parts of an earlier manifest.json that `--state` reads. */
export interface StateManifest {
  nodes: Record<string, { resourceType?: string; schema?: string; alias?: string; fingerprint?: string; config?: { materialized?: string } }>;
  sources: Record<string, { schema?: string; identifier?: string }>;
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
  try {
    const parsed = JSON.parse(text) as Partial<StateManifest>;
    return { nodes: parsed.nodes ?? {}, sources: parsed.sources ?? {} };
  } catch (error) {
    throw new StrataError({ code: 'STR161', message: `--state: ${file} is not valid JSON: ${(error as Error).message}` });
  }
}

/**
 * The `state` callback of selectNodes for a saved manifest: fingerprints every current node (the same
 * change detection as watch mode) and compares.
 *
 * @example selectNodes(manifest, dag, { select: ['state:modified+'], state: stateCheck(parsed, loadStateManifest('old')) })
 */
export function stateCheck(parsed: ParsedProject, state: StateManifest): StateCheck {
  const current = fingerprintNodes(parsed);
  return (node: AnyNode, criterion: string) => {
    if (node.resourceType === 'source') {
      const before = state.sources[node.id];
      if (!before) return criterion === 'new';
      return criterion.startsWith('modified') && (before.schema !== node.schema || before.identifier !== node.identifier);
    }
    const before = state.nodes[node.id];
    if (!before) return criterion === 'new';
    if (!criterion.startsWith('modified')) return false;
    const now = current.get(node.id) ?? '';
    const then = before.fingerprint ?? '';
    const part = FINGERPRINT_PARTS[criterion.slice('modified.'.length) as keyof typeof FINGERPRINT_PARTS];
    if (part === undefined) return now !== then;
    return now.split('.')[part] !== then.split('.')[part];
  };
}

/**
 * `--defer`: a model or seed this run does not build, and that the saved manifest knows, is read from
 * the relation named there. Changes the manifest's nodes in place (their `schema`/`alias`), so the
 * compile pass and the upstream check both see the deferred relations. Returns the ids deferred.
 *
 * @example deferToState(parsed.manifest, selection.ids, loadStateManifest('prod-artifacts'))
 */
export function deferToState(manifest: Manifest, selected: readonly NodeId[], state: StateManifest): NodeId[] {
  const building = new Set(selected);
  const deferred: NodeId[] = [];
  for (const node of Object.values(manifest.nodes)) {
    if (building.has(node.id) || node.resourceType === 'test' || node.config.materialized === 'ephemeral') continue;
    const before = state.nodes[node.id];
    if (!before?.schema || !before.alias || before.config?.materialized === 'ephemeral') continue;
    node.schema = before.schema;
    node.alias = before.alias;
    deferred.push(node.id);
  }
  return deferred;
}
