/**
 * The slice of semantic versioning that dbt's hub uses: `1.4.1`, `1.0.0-b2`, and ranges written as a
 * list of bounds (`[">=1.0.0", "<2.0.0"]`, `"=1.4.1"`, `"1.4.1"`). Written here rather than taken from
 * the `semver` package because dbt's range language is a small subset (no `^`, `~`, `x`, `||`) and what
 * `deps` needs most, intersecting the ranges of several requirers, is one function over two bounds.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated identifiers after `-`; empty for a release. */
  prerelease: string[];
  text: string;
}

export interface Bound {
  version: Version;
  inclusive: boolean;
}

/** A contiguous range: everything between `lower` and `upper` (either may be open). */
export interface VersionRange {
  lower?: Bound;
  upper?: Bound;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** `parseVersion('1.0.0-b2')` → `{ major: 1, minor: 0, patch: 0, prerelease: ['b2'] }`; undefined if not a version. */
export function parseVersion(text: string): Version | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ? match[4].split('.') : [], text: text.trim().replace(/^v/, '') };
}

/** Semver precedence: negative when a < b. A prerelease sorts before its release. */
export function compareVersions(a: Version, b: Version): number {
  for (const key of ['major', 'minor', 'patch'] as const) if (a[key] !== b[key]) return a[key] - b[key];
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) return Number(x) - Number(y);
    if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * One requirement as written in packages.yml: a string or a list of strings, each `>=`, `>`, `<=`, `<`,
 * `=` or a bare version. Returns undefined when a part is not understood.
 *
 * @example parseRange(['>=1.0.0', '<2.0.0']) // { lower: >=1.0.0, upper: <2.0.0 }
 */
export function parseRange(spec: string | number | ReadonlyArray<string | number>): VersionRange | undefined {
  const parts = Array.isArray(spec) ? spec : [spec];
  let range: VersionRange | undefined = {};
  for (const part of parts) {
    const match = /^\s*(>=|<=|>|<|=)?\s*(\S+)\s*$/.exec(String(part));
    const version = match && parseVersion(match[2]);
    if (!match || !version) return undefined;
    const operator = match[1] ?? '=';
    const single: VersionRange =
      operator === '=' ? { lower: { version, inclusive: true }, upper: { version, inclusive: true } }
      : operator.startsWith('>') ? { lower: { version, inclusive: operator === '>=' } }
      : { upper: { version, inclusive: operator === '<=' } };
    range = intersectRanges(range ?? {}, single);
  }
  return range;
}

/** The range both allow; an empty range is still returned (see `isEmptyRange`). */
export function intersectRanges(a: VersionRange, b: VersionRange): VersionRange {
  return { lower: tighter(a.lower, b.lower, 1), upper: tighter(a.upper, b.upper, -1) };
}

/** `direction` 1 keeps the higher bound (for lower bounds), -1 the lower one. */
function tighter(a: Bound | undefined, b: Bound | undefined, direction: 1 | -1): Bound | undefined {
  if (!a) return b;
  if (!b) return a;
  const order = compareVersions(a.version, b.version) * direction;
  if (order !== 0) return order > 0 ? a : b;
  return a.inclusive ? b : a;
}

export function isEmptyRange(range: VersionRange): boolean {
  if (!range.lower || !range.upper) return false;
  const order = compareVersions(range.lower.version, range.upper.version);
  return order > 0 || (order === 0 && !(range.lower.inclusive && range.upper.inclusive));
}

export function satisfies(version: Version, range: VersionRange): boolean {
  if (range.lower) {
    const order = compareVersions(version, range.lower.version);
    if (order < 0 || (order === 0 && !range.lower.inclusive)) return false;
  }
  if (range.upper) {
    const order = compareVersions(version, range.upper.version);
    if (order > 0 || (order === 0 && !range.upper.inclusive)) return false;
  }
  return true;
}

/**
 * The highest of `available` inside `range`. Prereleases are skipped unless allowed, or unless a
 * bound of the range is itself that prerelease (pinning `1.0.0-b2` means it).
 */
export function highestSatisfying(available: Iterable<string>, range: VersionRange, allowPrerelease: boolean): Version | undefined {
  let best: Version | undefined;
  for (const text of available) {
    const version = parseVersion(text);
    if (!version || !satisfies(version, range)) continue;
    const pinned = [range.lower, range.upper].some((bound) => bound && compareVersions(bound.version, version) === 0);
    if (version.prerelease.length > 0 && !allowPrerelease && !pinned) continue;
    if (!best || compareVersions(version, best) > 0) best = version;
  }
  return best;
}

/** `>=1.0.0, <2.0.0`, `=1.4.1` or `any version`, for messages. */
export function formatRange(range: VersionRange): string {
  if (range.lower && range.upper && range.lower.inclusive && range.upper.inclusive && compareVersions(range.lower.version, range.upper.version) === 0) return `=${range.lower.version.text}`;
  const parts = [
    range.lower && `${range.lower.inclusive ? '>=' : '>'}${range.lower.version.text}`,
    range.upper && `${range.upper.inclusive ? '<=' : '<'}${range.upper.version.text}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'any version';
}
