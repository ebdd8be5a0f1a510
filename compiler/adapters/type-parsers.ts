import { INT8_OID, parseInt8 } from './parse-int8.js';

const DATE_OID = 1082;
const TIMESTAMP_OID = 1114;

/**
 * How both drivers turn column text into values, so PGlite and Postgres return the same thing:
 * int8 as a number when exact; `date` and `timestamp` (no time zone) kept as Postgres prints them,
 * since a JavaScript Date would pin them to the client's time zone (`2022-12-30` read in Tokyo is the
 * 29th in UTC). `timestamptz` stays a Date: it is an instant.
 */
export const TYPE_PARSERS: Record<number, (text: string) => unknown> = {
  [INT8_OID]: parseInt8,
  [DATE_OID]: (text) => text,
  [TIMESTAMP_OID]: (text) => text,
};
