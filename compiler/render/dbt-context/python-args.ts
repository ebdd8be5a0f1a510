/**
 * Python-style argument binding for functions that templates call: positional arguments first, then
 * keyword ones (nunjucks passes `f(1, b=2)` as `f(1, {__keywords: true, b: 2})`).
 */
import { splitKeywords } from '../render-scope.js';

/**
 * Binds call arguments to parameter names, Python-style.
 *
 * @example bindArguments('timedelta', [1, {__keywords: true, hours: 2}], ['days', 'seconds', 'hours'], {seconds: 0, hours: 0})
 *   → {days: 1, seconds: 0, hours: 2}
 */
export function bindArguments(
  name: string,
  args: unknown[],
  params: string[],
  defaults: Record<string, unknown> = {},
): Record<string, unknown> {
  const { positional, keywords } = splitKeywords(args);
  if (positional.length > params.length) {
    throw new TypeError(`${name}() takes at most ${params.length} arguments (${positional.length} given)`);
  }
  const bound: Record<string, unknown> = {};
  params.forEach((param, i) => {
    if (i < positional.length) bound[param] = positional[i];
  });
  for (const [key, value] of Object.entries(keywords)) {
    if (!params.includes(key)) throw new TypeError(`${name}() got an unexpected keyword argument '${key}'`);
    if (key in bound) throw new TypeError(`${name}() got multiple values for argument '${key}'`);
    bound[key] = value;
  }
  for (const param of params) {
    if (bound[param] !== undefined) continue;
    if (!(param in defaults)) throw new TypeError(`${name}() missing required argument '${param}'`);
    bound[param] = defaults[param];
  }
  return bound;
}

/** A Python iterable as an array: lists as they are, strings by character, dicts by key. */
export function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return [...value];
  if (value === null || value === undefined) throw new TypeError(`'${String(value)}' object is not iterable`);
  if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return [...(value as Iterable<unknown>)];
  if (typeof value === 'object') return Object.keys(value);
  throw new TypeError(`'${typeof value}' object is not iterable`);
}
