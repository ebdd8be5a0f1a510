import { createHash } from 'node:crypto';

/** Postgres truncates identifiers past 63 bytes; ours never reach it. */
export const MAX_IDENTIFIER = 63;

/**
 * A temporary or backup name for `base`: `<base>__strata_tmp_<run>`. When that would pass 63 bytes,
 * the base is shortened and a hash of the whole base added, so two long names never clash.
 *
 * @example scratchName('gl_customer_metrics', 'tmp', 'a1b2c3')  // 'gl_customer_metrics__strata_tmp_a1b2c3'
 */
export function scratchName(base: string, purpose: string, runId: string): string {
  const suffix = `__strata_${purpose}_${runId}`;
  if (Buffer.byteLength(base) + suffix.length <= MAX_IDENTIFIER) return `${base}${suffix}`;
  const hash = createHash('md5').update(base).digest('hex').slice(0, 8);
  // Cut by characters, not UTF-16 units, so a multi-byte name never ends in half a character.
  const chars = Array.from(base);
  while (Buffer.byteLength(chars.join('')) + 1 + hash.length + suffix.length > MAX_IDENTIFIER) chars.pop();
  return `${chars.join('')}_${hash}${suffix}`;
}

/** A stable index name for `relation` on `columns`, within 63 bytes. */
export function indexName(identifier: string, columns: string[], unique: boolean): string {
  const hash = createHash('md5').update(`${identifier}|${columns.join(',')}|${unique}`).digest('hex').slice(0, 8);
  const base = `${identifier}_${columns.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_');
  const suffix = `_${hash}_idx`;
  // The base is ASCII here (everything else became '_'), so its length is its size in bytes.
  return (base.length + suffix.length <= MAX_IDENTIFIER ? base : base.slice(0, MAX_IDENTIFIER - suffix.length)) + suffix;
}
