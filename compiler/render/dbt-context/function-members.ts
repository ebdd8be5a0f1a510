/**
 * Python's modules have callables with members: `datetime.datetime(2024, 1, 1)` and
 * `datetime.datetime.now()`, `itertools.chain.from_iterable`. nunjucks's member lookup returns each
 * function it finds wrapped in a new function (to bind `this`), and the wrapper has none of the
 * original's members, so `modules.datetime.datetime.now` would be undefined.
 */

type MemberLookup = (this: unknown, obj: unknown, val: unknown, ...rest: unknown[]) => unknown;

const PATCHED = Symbol.for('strata.keepFunctionMembers');

/**
 * Makes the wrappers nunjucks's member lookup returns inherit from the function they wrap, so its
 * members stay reachable. Install once, on the nunjucks runtime, after `installJinjaCompat()` (which
 * replaces memberLookup too).
 *
 * @example keepFunctionMembers(require('nunjucks').runtime)
 */
export function keepFunctionMembers(runtime: { memberLookup: MemberLookup }): void {
  const lookup = runtime.memberLookup as MemberLookup & { [PATCHED]?: true };
  if (lookup[PATCHED]) return;
  const patched: MemberLookup & { [PATCHED]?: true } = function (this: unknown, obj, val, ...rest) {
    const result = lookup.call(this, obj, val, ...rest);
    if (typeof result !== 'function' || obj === null || obj === undefined) return result;
    const original = (obj as Record<string, unknown>)[val as string];
    if (typeof original === 'function' && original !== result && Object.keys(original).length > 0) {
      Object.setPrototypeOf(result, original);
    }
    return result;
  };
  patched[PATCHED] = true;
  runtime.memberLookup = patched;
}
