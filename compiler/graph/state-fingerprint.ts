/**
 * Node fingerprints: what decides whether a node changed, for watch mode (rerun what changed) and for
 * `state:modified` (compare with the manifest.json of an earlier run). One function, so both agree.
 *
 * A fingerprint is three short hashes joined by dots, `<sql>.<config>.<macros>`:
 * - sql: the SQL, independent of the target (see `portableBody`); for a seed, its CSV file;
 * - config: the resolved config, keys sorted;
 * - macros: the bodies of the macros the node's template called (directly or through other macros).
 *
 * A comment in a macro a node does not call changes none of them; a comment in a macro it calls changes
 * the third part even when the SQL stays the same, since the macro may matter at run time.
 */
import { hash as digest } from 'node:crypto';
import { join } from 'node:path';
import type { ManifestNode, NodeId } from '../manifest/types.js';
import { fileDigest } from '../project/file-digest.js';
import { compileNode } from '../render/compile-node.js';
import type { ParsedProject } from '../render/parse-project.js';

export type Fingerprint = string;

/** `modified.body` → the sql part, `modified.configs` → config, `modified.macros` → macros. */
export const FINGERPRINT_PARTS = { body: 0, configs: 1, macros: 2 } as const;

/**
 * The fingerprint of one node of a parsed project. Never throws: a node that cannot be compiled gets a
 * fingerprint made of its error, which changes when the error does.
 *
 * @example nodeFingerprint(parsed, 'model.shop.stg_customers' as NodeId)  // '3f9a0c1e2b4d.77a1…'
 */
export function nodeFingerprint(
  parsed: ParsedProject,
  id: NodeId,
  macroHashes = macroBodyHashes(parsed),
  compiled?: ReadonlyMap<NodeId, string>,
): Fingerprint {
  const node = parsed.manifest.nodes[id];
  if (!node) return '';
  const body = node.resourceType === 'seed' ? undefined : portableBody(parsed, node, compiled);
  const macros = macrosOf(parsed, node, macroHashes);
  return `${body === undefined ? seedFileHash(parsed.project.root, node.path) : hash(body)}.${configHash(node.config)}.${macros === '' ? NO_MACROS : hash(macros)}`;
}

/**
 * Fingerprints of the given nodes (default: all), by id; TargetWriter.writeManifest writes them to
 * `target/strata_state.json` for a later `--state`. `compiled` holds SQL the caller already compiled
 * (by `compileNode` with default options), so it is not compiled twice.
 */
export function fingerprintNodes(
  parsed: ParsedProject,
  ids: Iterable<NodeId> = Object.keys(parsed.manifest.nodes) as NodeId[],
  compiled?: ReadonlyMap<NodeId, string>,
): Map<NodeId, Fingerprint> {
  const macroHashes = macroBodyHashes(parsed);
  const result = new Map<NodeId, Fingerprint>();
  for (const id of ids) {
    const node = parsed.manifest.nodes[id];
    if (!node) continue;
    const fingerprint = nodeFingerprint(parsed, id, macroHashes, compiled);
    result.set(id, fingerprint);
  }
  return result;
}

/** `hash` of a seed's file, without holding it in memory (the same digest as hashing it whole). */
function seedFileHash(root: string, path: string): string {
  try {
    return fileDigest(root, path, 'sha1').slice(0, 12);
  } catch (error) {
    return hash(`unreadable: ${(error as Error).message}`);
  }
}

/**
 * The SQL part, the same whatever the target: `state:modified` compares runs on different targets
 * (built on prod, compared from CI), and a relation's schema differs between them. A template that
 * reads nothing of its target is hashed as the parse pass left it (refs and sources as tokens, then
 * the names they stand for); the others' compiled SQL has each relation of the project replaced by its
 * node id.
 */
function portableBody(parsed: ParsedProject, node: ManifestNode, compiled?: ReadonlyMap<NodeId, string>): string {
  // A unit test has no template: its definition (given, expect, overrides) is what can change.
  if (node.resourceType === 'unit_test') return `unit:${node.checksum}`;
  const template = parsed.templates.get(node.id);
  if (template && !template.dynamic) {
    const refs = template.refs.map((r) => `${r.package ?? ''}.${r.name}`).join(',');
    const sources = template.sources.map((c) => `${c.source}.${c.table}`).join(',');
    return `${template.rendered}\u0000${refs}\u0000${sources}`;
  }
  const sql = compiled?.get(node.id) ?? bodyOf(parsed, node);
  const relations = relationIds(parsed);
  return sql.replace(/"(?:[^"]|"")+"\."(?:[^"]|"")+"/g, (name) => relations.get(name) ?? name);
}

const relationIndexes = new WeakMap<ParsedProject, Map<string, string>>();

/** `"schema"."identifier"` → the id of the node or source that is that relation. */
function relationIds(parsed: ParsedProject): Map<string, string> {
  let index = relationIndexes.get(parsed);
  if (!index) {
    index = new Map();
    const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;
    for (const node of Object.values(parsed.manifest.nodes)) index.set(`${quote(node.schema)}.${quote(node.alias)}`, `{${node.id}}`);
    for (const source of Object.values(parsed.manifest.sources)) index.set(`${quote(source.schema)}.${quote(source.identifier)}`, `{${source.id}}`);
    relationIndexes.set(parsed, index);
  }
  return index;
}

function bodyOf(parsed: ParsedProject, node: ManifestNode): string {
  try {
    return compileNode(parsed, node.id);
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function macrosOf(parsed: ParsedProject, node: ManifestNode, macroHashes: Map<string, string>): string {
  if (node.dependsOn.macros.length === 0) return '';
  const seen = new Set<string>();
  const stack = [...node.dependsOn.macros];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    stack.push(...(parsed.renderer.macros.get(name)?.calls ?? []));
  }
  return [...seen]
    .filter((name) => macroHashes.has(name))
    .sort()
    .map((name) => `${name}:${macroHashes.get(name)}`)
    .join(',');
}

const macroHashCache = new WeakMap<ParsedProject, Map<string, string>>();

/** Each project macro's own text (from `{% macro name` to its `{% endmacro %}`), hashed. */
export function macroBodyHashes(parsed: ParsedProject): Map<string, string> {
  const cached = macroHashCache.get(parsed);
  if (cached) return cached;
  const result = new Map<string, string>();
  for (const macro of parsed.renderer.macros.values()) if (macro.body !== undefined) result.set(macro.name, hash(macro.body));
  macroHashCache.set(parsed, result);
  return result;
}

/** Configs repeat across thousands of nodes: their hashes are kept by text. */
const configHashes = new Map<string, string>();

function configHash(config: unknown): string {
  const text = stableJson(config);
  let found = configHashes.get(text);
  if (found === undefined) {
    found = hash(text);
    if (configHashes.size < 10_000) configHashes.set(text, found);
  }
  return found;
}

/** The macros part of a node that calls no project macro (most of them). */
const NO_MACROS = hash('');

function hash(text: string | Buffer): string {
  return digest('sha1', text, 'hex').slice(0, 12);
}

/** JSON with object keys sorted, so the same config always gives the same text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + stableJson(value[i]);
    return `${text}]`;
  }
  if (value && typeof value === 'object') {
    // Called for every node's config: a string built in place, without entry arrays, keeps GC down.
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let text = '{';
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      text += `${text.length === 1 ? '' : ','}${JSON.stringify(key)}:${stableJson(item)}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
