/**
 * Rows as a small text table, for `strata show` and failing test rows.
 *
 * @example formatTable([{ id: 1, tier: 'Gold' }])
 *   // 'id | tier\n---+-----\n 1 | Gold'
 */
export function formatTable(rows: Record<string, unknown>[], columns = rows[0] ? Object.keys(rows[0]) : []): string {
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return 'null';
    if (value instanceof Date) return value.toISOString().replace('T', ' ').replace(/\.000Z$/, '+00').replace('Z', '+00');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };
  const body = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i].length)));
  const numeric = columns.map((_, i) => body.length > 0 && body.every((r) => r[i] === 'null' || /^-?\d+(\.\d+)?$/.test(r[i])));
  const pad = (text: string, i: number) => (numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i]));
  return [
    columns.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd(),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...body.map((r) => r.map((v, i) => pad(v, i)).join(' | ').trimEnd()),
  ].join('\n');
}
