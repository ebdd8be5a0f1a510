/**
 * Python's `itertools` for templates (`modules.itertools`). Results are lists (nunjucks loops read
 * lists), tuples are lists too. The infinite iterators (`count`, `cycle`, `repeat` without a count)
 * are lazy and meant for `islice` or `zip`-like use; a loop that runs one to its end stops with an
 * error after a million items instead of hanging.
 */
import { bindArguments, toList } from './python-args.js';

const INFINITE_LIMIT = 1_000_000;

/** An endless iterable that refuses to be read to its end. */
function endless<T>(name: string, next: (i: number) => T): Iterable<T> {
  return {
    *[Symbol.iterator]() {
      for (let i = 0; ; i++) {
        if (i >= INFINITE_LIMIT) throw new Error(`itertools.${name}() is infinite: take a slice with islice(${name}(...), n)`);
        yield next(i);
      }
    },
  };
}

function product(...args: unknown[]): unknown[][] {
  const { positional, repeat } = (() => {
    const last = args[args.length - 1] as Record<string, unknown> | undefined;
    const hasKeywords = last !== null && typeof last === 'object' && last.__keywords === true;
    const { repeat } = bindArguments('product', hasKeywords ? [last] : [], ['repeat'], { repeat: 1 });
    return { positional: hasKeywords ? args.slice(0, -1) : args, repeat: Number(repeat) };
  })();
  const pools = Array.from({ length: repeat }, () => positional.map(toList)).flat();
  return pools.reduce<unknown[][]>((acc, pool) => acc.flatMap((prefix) => pool.map((item) => [...prefix, item])), [[]]);
}

function combinations(iterable: unknown, r: number): unknown[][] {
  const pool = toList(iterable);
  const out: unknown[][] = [];
  const pick = (start: number, chosen: unknown[]) => {
    if (chosen.length === r) return void out.push(chosen);
    for (let i = start; i < pool.length; i++) pick(i + 1, [...chosen, pool[i]]);
  };
  pick(0, []);
  return out;
}

function combinationsWithReplacement(iterable: unknown, r: number): unknown[][] {
  const pool = toList(iterable);
  const out: unknown[][] = [];
  const pick = (start: number, chosen: unknown[]) => {
    if (chosen.length === r) return void out.push(chosen);
    for (let i = start; i < pool.length; i++) pick(i, [...chosen, pool[i]]);
  };
  pick(0, []);
  return out;
}

function permutations(...args: unknown[]): unknown[][] {
  const a = bindArguments('permutations', args, ['iterable', 'r'], { r: null });
  const pool = toList(a.iterable);
  const r = a.r === null ? pool.length : Number(a.r);
  const out: unknown[][] = [];
  const pick = (used: boolean[], chosen: unknown[]) => {
    if (chosen.length === r) return void out.push(chosen);
    pool.forEach((item, i) => {
      if (used[i]) return;
      used[i] = true;
      pick(used, [...chosen, item]);
      used[i] = false;
    });
  };
  if (r <= pool.length) pick([], []);
  return out;
}

/** Consecutive runs with the same key, as [key, items] pairs (`{% for key, items in groupby(...) %}`). */
function groupby(...args: unknown[]): Array<[unknown, unknown[]]> {
  const a = bindArguments('groupby', args, ['iterable', 'key'], { key: null });
  // A macro's result is a SafeString object: its text is the key.
  const plain = (k: unknown) => (k instanceof String ? k.valueOf() : k);
  const keyOf = typeof a.key === 'function' ? (x: unknown) => plain((a.key as (x: unknown) => unknown)(x)) : (x: unknown) => x;
  const groups: Array<[unknown, unknown[]]> = [];
  for (const item of toList(a.iterable)) {
    const key = keyOf(item);
    const current = groups[groups.length - 1];
    if (current && current[0] === key) current[1].push(item);
    else groups.push([key, [item]]);
  }
  return groups;
}

/** islice(it, stop) or islice(it, start, stop[, step]), reading lazily (so endless iterators work). */
function islice(iterable: unknown, ...bounds: unknown[]): unknown[] {
  const [start, stop, step] = bounds.length === 1 ? [0, bounds[0], 1] : [bounds[0] ?? 0, bounds[1], bounds[2] ?? 1];
  const [from, by] = [Number(start ?? 0), Number(step ?? 1)];
  const to = stop === null || stop === undefined ? Infinity : Number(stop);
  const source: Iterable<unknown> =
    iterable !== null && typeof iterable === 'object' && Symbol.iterator in iterable ? (iterable as Iterable<unknown>) : toList(iterable);
  const out: unknown[] = [];
  let i = 0;
  for (const item of source) {
    if (i >= to) break;
    if (i >= from && (i - from) % by === 0) out.push(item);
    i++;
  }
  return out;
}

function accumulate(...args: unknown[]): unknown[] {
  const a = bindArguments('accumulate', args, ['iterable', 'func', 'initial'], { func: null, initial: null });
  const step = typeof a.func === 'function' ? (a.func as (x: unknown, y: unknown) => unknown) : (x: unknown, y: unknown) => (x as number) + (y as number);
  const items = toList(a.iterable);
  const out: unknown[] = a.initial === null ? [] : [a.initial];
  for (const item of items) out.push(out.length === 0 ? item : step(out[out.length - 1], item));
  return out;
}

function zipLongest(...args: unknown[]): unknown[][] {
  const last = args[args.length - 1] as Record<string, unknown> | undefined;
  const hasKeywords = last !== null && typeof last === 'object' && last.__keywords === true;
  const { fillvalue } = bindArguments('zip_longest', hasKeywords ? [last] : [], ['fillvalue'], { fillvalue: null });
  const lists = (hasKeywords ? args.slice(0, -1) : args).map(toList);
  const length = Math.max(0, ...lists.map((list) => list.length));
  return Array.from({ length }, (_, i) => lists.map((list) => (i < list.length ? list[i] : fillvalue)));
}

/** The `itertools` module. */
export function itertoolsModule(): Record<string, unknown> {
  const chain = Object.assign((...iterables: unknown[]) => iterables.flatMap(toList), {
    from_iterable: (iterables: unknown) => toList(iterables).flatMap(toList),
  });
  return {
    chain,
    product,
    combinations,
    combinations_with_replacement: combinationsWithReplacement,
    permutations,
    groupby,
    islice,
    accumulate,
    zip_longest: zipLongest,
    repeat: (...args: unknown[]) => {
      const a = bindArguments('repeat', args, ['object', 'times'], { times: null });
      return a.times === null ? endless('repeat', () => a.object) : Array.from({ length: Math.max(0, Number(a.times)) }, () => a.object);
    },
    count: (...args: unknown[]) => {
      const a = bindArguments('count', args, ['start', 'step'], { start: 0, step: 1 });
      return endless('count', (i) => Number(a.start) + i * Number(a.step));
    },
    cycle: (iterable: unknown) => {
      const items = toList(iterable);
      return items.length === 0 ? [] : endless('cycle', (i) => items[i % items.length]);
    },
  };
}
