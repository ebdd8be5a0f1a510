/**
 * The Jinja dialect's runtime (see jinja-dialect.ts): Python's member lookup, printing and operators
 * for compiled templates, macros with Jinja's arguments and `return()`, and where a macro failed.
 */
import {
  isMapping,
  pyAdd,
  pySub,
  pyConcat,
  pyEq,
  pyMod,
  pyMul,
  pySlice,
  printsAsPython,
  pyStr,
  pyTruthy,
} from './python-values.js';
import { methodOf } from './python-methods.js';

/** Thrown by `return(x)` inside a macro and caught at the macro's boundary, as in dbt. */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

/** Where inside a macro's file an error was raised (1-based), kept on the error by the innermost macro. */
export const MACRO_ERROR_POSITION = Symbol.for('strata.macroErrorPosition');

function markMacroError(error: unknown, lineno: number, colno: number): void {
  if (error && typeof error === 'object' && !(MACRO_ERROR_POSITION in error) && !(error instanceof MacroReturn)) {
    Object.defineProperty(error, MACRO_ERROR_POSITION, { value: { line: lineno + 1, column: colno + 1 }, enumerable: false });
  }
}

export function patchRuntime(runtime: any): void {
  const memberLookup = runtime.memberLookup;
  // `x.attr` of undefined is undefined; Python methods on str, list and dict; negative indexes. A plain
  // object (the common case: `this.schema`, `node.config`) is read once, methods looked for only when
  // it has no such member.
  runtime.memberLookup = function (obj: any, key: unknown) {
    if (obj === undefined || obj === null) return undefined;
    if (typeof obj === 'object' && !Array.isArray(obj) && !(obj instanceof String)) {
      const value = obj[key as string];
      if (value === undefined) return typeof key === 'string' ? methodOf(obj, key) : undefined;
      return typeof value === 'function' ? (...args: unknown[]) => value.apply(obj, args) : value;
    }
    if (obj instanceof String) obj = String(obj);
    if (typeof key === 'string') {
      const method = methodOf(obj, key);
      if (method !== undefined) return method;
    } else if (typeof key === 'number' && key < 0 && (typeof obj === 'string' || Array.isArray(obj))) {
      return obj[obj.length + key];
    }
    return memberLookup(obj, key);
  };

  // `{{ [1, 'a'] }}` prints `[1, 'a']` and a dict `{'k': 1}`, as Python does (not `1,a` or
  // `[object Object]`); every other value prints as before.
  const suppressValue = runtime.suppressValue;
  runtime.suppressValue = function (value: unknown, autoescape: boolean) {
    return suppressValue(printsAsPython(value) ? pyStr(value) : value, autoescape);
  };

  runtime.makeMacro = makeMacro;
  runtime.markMacroError = markMacroError;
  runtime.pyAdd = pyAdd;
  runtime.pySub = pySub;
  runtime.pyMul = pyMul;
  runtime.pyMod = pyMod;
  runtime.pyConcat = pyConcat;
  runtime.pyEq = pyEq;
  runtime.pyCompareChain = (values: any[], ops: string[]): boolean =>
    ops.every((op, i) => {
      const [a, b] = [values[i], values[i + 1]];
      switch (op) {
        case '==': return pyEq(a, b);
        case '!=': return !pyEq(a, b);
        case '<': return a < b;
        case '>': return a > b;
        case '<=': return a <= b;
        case '>=': return a >= b;
        case '===': return a === b;
        default: return a !== b;
      }
    });
  runtime.pySlice = pySlice;
  runtime.pyIterable = (value: unknown): unknown[] => {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value;
    if (typeof value === 'string' || typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(value as Iterable<unknown>);
    return Object.keys(value as object);
  };
  runtime.pyTruthy = pyTruthy;
  runtime.pyAnd = (left: unknown, right: () => unknown) => (pyTruthy(left) ? right() : left);
  runtime.pyOr = (left: unknown, right: () => unknown) => (pyTruthy(left) ? left : right());
  runtime.pyForIterable = (items: unknown): unknown =>
    isMapping(items) && typeof (items as any)[Symbol.iterator] !== 'function' ? Object.keys(items) : items;
  runtime.pyLoopFilter = (items: unknown, pairs: boolean, keep: (item: unknown) => unknown): unknown[] => {
    let list: unknown[];
    if (items === null || items === undefined) list = [];
    else if (Array.isArray(items)) list = items;
    else if (typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') list = Array.from(items as Iterable<unknown>);
    else list = pairs ? Object.entries(items as object) : Object.keys(items as object);
    return list.filter((item) => keep(item));
  };
  runtime.pyLoopNeighbours = (frame: any, items: unknown, i: number): void => {
    const loop = frame.variables.loop;
    loop.cycle = (...values: unknown[]) => values[i % values.length];
    loop.depth = 1;
    loop.depth0 = 0;
    if (i === 0) delete loop.lastChanged;
    loop.changed = (...values: unknown[]) => {
      const changed = !('lastChanged' in loop) || !pyEq(loop.lastChanged, values);
      loop.lastChanged = values;
      return changed;
    };
    if (Array.isArray(items)) {
      loop.previtem = i > 0 ? items[i - 1] : undefined;
      loop.nextitem = items[i + 1];
    }
  };
  runtime.pySetItem = (target: any, key: string, value: unknown): void => {
    if (target === null || target === undefined || typeof target !== 'object') {
      throw new Error(`cannot set attribute '${key}' of ${target === undefined ? 'an undefined value' : typeof target}`);
    }
    target[key] = value;
  };
  runtime.pyUnpack = (value: unknown, count: number): unknown[] => {
    const list = Array.isArray(value) ? value : value === null || value === undefined ? [] : Array.from(value as Iterable<unknown>);
    if (list.length !== count) throw new Error(`cannot unpack ${list.length} values into ${count} names`);
    return list;
  };
}

/**
 * Calls a compiled macro body with Jinja's argument rules: positional arguments fill the parameters,
 * then the ones with defaults; keyword arguments fill any parameter by name; what is left over goes to
 * `varargs` and `kwargs`. A `return(x)` inside ends the macro with the value x.
 */
function makeMacro(argNames: string[], kwargNames: string[], body: (...args: unknown[]) => unknown) {
  const declared = argNames.length + kwargNames.length;
  return function macro(this: unknown, ...callArgs: unknown[]) {
    let count = callArgs.length;
    const last = callArgs[count - 1] as Record<string, unknown> | undefined;
    const given = last && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords') ? last : undefined;
    if (given) count--;
    const args: unknown[] = new Array(argNames.length);
    const kwargs: Record<string, unknown> = {};
    for (let i = 0; i < count && i < declared; i++) {
      if (i < argNames.length) args[i] = callArgs[i];
      else kwargs[kwargNames[i - argNames.length]!] = callArgs[i];
    }
    const varargs = count > declared ? callArgs.slice(declared, count) : [];
    const extra: Record<string, unknown> = {};
    if (given) {
      for (const key of Object.keys(given)) {
        if (key === '__keywords') continue;
        const at = argNames.indexOf(key);
        if (at >= 0) args[at] = given[key];
        else if (key === 'caller' || kwargNames.includes(key)) kwargs[key] = given[key];
        else extra[key] = given[key];
      }
    }
    try {
      return body.apply(this, [...args, kwargs, varargs, extra]);
    } catch (error) {
      if (error instanceof MacroReturn) return error.value;
      throw error;
    }
  };
}
