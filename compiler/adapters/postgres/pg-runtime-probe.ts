/**
 * Imported before `pg`. When `navigator` is missing (Node 20), pg asks `new Response(...)` whether it
 * runs in a Cloudflare Worker, and that first use of `Response` loads Node's whole fetch implementation
 * (undici), about 20–40 ms of every command that opens Postgres. A `navigator` that says Node answers
 * the question at once; it is removed again once pg has loaded (pg-runtime-probe-end.ts).
 */
const missing = !('navigator' in globalThis);
if (missing) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.version}` }, configurable: true, writable: true });

export const addedNavigator = missing;
