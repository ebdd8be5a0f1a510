/**
 * PostgreSQL truncates identifiers to 63 bytes without an error, so `<63×x>_one` and `<63×x>_two` are
 * one relation, and a `ref()` to either reads whichever was built last. Checked at parse time, before
 * any database is touched.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { isUnrefable, type Manifest, type ManifestNode } from '../manifest/types.js';

/** PostgreSQL's NAMEDATALEN - 1. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * What PostgreSQL calls `name`: its first 63 bytes, cut at a character boundary.
 *
 * @example truncateIdentifier('x'.repeat(70))  // 'x'.repeat(63)
 */
export function truncateIdentifier(name: string): string {
  if (!tooLong(name)) return name;
  let cut = '';
  for (const char of name) {
    if (Buffer.byteLength(cut + char) > MAX_IDENTIFIER_BYTES) break;
    cut += char;
  }
  return cut;
}

/**
 * Errors for relation names that collide once truncated (STR123, naming every file involved) and for
 * any other schema or relation name past 63 bytes (STR124): Strata would look the long name up and
 * never find the truncated relation.
 *
 * @example checkRelationNames(parsed.manifest)  // [] when every name fits
 */
export function checkRelationNames(manifest: Manifest): Diagnostic[] {
  const problems: Diagnostic[] = [];
  // Only a name past 63 bytes can collide: the others are skipped without a lookup (10,000 nodes).
  const longKeys = new Set<string>();
  for (const node of Object.values(manifest.nodes)) {
    if (isUnrefable(node) || node.config.materialized === 'ephemeral') continue;
    if (tooLong(node.schema) || tooLong(node.alias)) longKeys.add(`${truncateIdentifier(node.schema)}.${truncateIdentifier(node.alias)}`);
  }
  if (longKeys.size === 0) return problems;
  const byRelation = new Map<string, ManifestNode[]>();
  for (const node of Object.values(manifest.nodes)) {
    if (isUnrefable(node) || node.config.materialized === 'ephemeral') continue;
    const key = `${truncateIdentifier(node.schema)}.${truncateIdentifier(node.alias)}`;
    if (!longKeys.has(key)) continue;
    const list = byRelation.get(key);
    if (list) list.push(node);
    else byRelation.set(key, [node]);
  }
  for (const [key, nodes] of byRelation) {
    const [first, ...others] = nodes;
    if (others.length > 0) {
      problems.push({
        code: 'STR123',
        message: `${nodes.map((n) => `${n.schema}.${n.alias} (${n.path})`).join(' and ')} are one relation, ${key}, once PostgreSQL cuts names to ${MAX_IDENTIFIER_BYTES} bytes`,
        file: first.path,
        hint: `give them names that differ within the first ${MAX_IDENTIFIER_BYTES} bytes (rename the files, or set alias: in their config)`,
      });
      continue;
    }
    const which = tooLong(first.alias) ? `relation name '${first.alias}'` : `schema name '${first.schema}'`;
    problems.push({
      code: 'STR124',
      message: `the ${which} of ${first.name} is ${Buffer.byteLength(tooLong(first.alias) ? first.alias : first.schema)} bytes; PostgreSQL keeps ${MAX_IDENTIFIER_BYTES} and would call it '${tooLong(first.alias) ? truncateIdentifier(first.alias) : truncateIdentifier(first.schema)}'`,
      file: first.path,
      hint: tooLong(first.alias) ? 'rename the file or set a shorter alias: in its config' : 'use a shorter custom schema (or target schema)',
    });
  }
  return problems;
}

/** Past 63 bytes: a name of 21 characters or fewer never is (a UTF-16 unit is at most 3 UTF-8 bytes). */
function tooLong(name: string): boolean {
  return name.length > MAX_IDENTIFIER_BYTES / 3 && Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES;
}
