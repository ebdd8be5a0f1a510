/**
 * The one type-parsing rule both drivers share: `bigint` (int8, OID 20) becomes a JS number when it fits
 * exactly (counts, ids), and stays a decimal string when it does not, so no value is ever rounded.
 * `numeric` stays a string on both engines.
 *
 * @example parseInt8('42') → 42; parseInt8('9007199254740993') → '9007199254740993'
 */
export const INT8_OID = 20;

export function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}
