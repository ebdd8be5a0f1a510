/**
 * Resolution: from the root project's entries to the full set of packages, transitive ones included.
 *
 * Hub packages are resolved by version range: every requirer's range of the same `org/name` is
 * intersected and the highest published version inside it wins. A package's own requirements depend
 * on the version chosen, and a requirer found later may narrow the range, so the walk repeats until
 * the version used for each package is the one its full set of requirers picks:
 *
 *   round 1: root wants a >=1 → a 1.5 (needs b <2) ; root wants c → c needs a <1.5 → a's pick is now 1.4
 *   round 2: a 1.4 used from the start (its requirements re-read) → nothing changes → done
 *
 * Git and local packages are the same package when their identity (URL + subdirectory, resolved
 * path) is; two different git revisions of one package are an error.
 */
import type { StrataError } from '../diagnostics/strata-error.js';
import { DEPS_CODES, depsError } from './deps-errors.js';
import { describeSpec, fetchHubVersion, fetchPackage, hubIndex, packageKey, placeOf, type FetchContext, type FetchedPackage } from './fetch-package.js';
import type { HubPackage } from './hub.js';
import { parseSpec, type GitSpec, type HubSpec, type PackageSpec } from './packages-file.js';
import { formatRange, highestSatisfying, intersectRanges, isEmptyRange, type VersionRange } from './version-range.js';

/** One package of the result: hub packages carry their chosen version, the others their files. */
export type ResolvedPackage =
  | { key: string; kind: 'hub'; spec: HubSpec; index: HubPackage; version: string }
  | { key: string; kind: 'fetched'; spec: PackageSpec; fetched: FetchedPackage };

const MAX_ROUNDS = 10;

/**
 * Resolves `roots` (and, with `followDeps`, what they require, recursively). Packages of a lock file are
 * resolved with `followDeps` false: the lock already lists every package.
 */
export async function resolvePackages(roots: PackageSpec[], context: FetchContext, followDeps = true): Promise<ResolvedPackage[]> {
  const fetchedOnce = new Map<string, Promise<FetchedPackage>>();
  let picks = new Map<string, string>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const nodes = new Map<string, ResolvedPackage>();
    const requirers = new Map<string, HubSpec[]>();
    const queue = [...roots];
    while (queue.length > 0) {
      const spec = queue.shift()!;
      const key = packageKey(spec);
      const known = nodes.get(key);
      if (spec.kind === 'hub') {
        const wanted = [...(requirers.get(key) ?? []), spec];
        requirers.set(key, wanted);
        const range = combinedRange(wanted);
        if (known) continue;
        const index = await hubIndex(spec, context);
        const previous = picks.get(key);
        const version = previous && highestSatisfying([previous], range, true) ? previous : pickVersion(index, wanted);
        nodes.set(key, { key, kind: 'hub', spec, index, version });
        if (followDeps) queue.push(...hubRequirements(spec, index, version, context));
        continue;
      }
      if (known) {
        if (spec.kind === 'git') checkSameRevision(known.spec as GitSpec, spec);
        continue;
      }
      const onceKey = `${key}@${spec.kind === 'git' ? (spec.revision ?? 'HEAD') : ''}`;
      if (!fetchedOnce.has(onceKey)) fetchedOnce.set(onceKey, fetchPackage(spec, context));
      const fetched = await fetchedOnce.get(onceKey)!;
      nodes.set(key, { key, kind: 'fetched', spec, fetched });
      if (followDeps) queue.push(...fetched.deps);
    }
    let settled = true;
    const next = new Map<string, string>();
    for (const [key, wanted] of requirers) {
      const node = nodes.get(key) as Extract<ResolvedPackage, { kind: 'hub' }>;
      const best = pickVersion(node.index, wanted);
      next.set(key, best);
      if (best !== node.version) settled = false;
    }
    if (settled) return [...nodes.values()];
    picks = next;
  }
  throw depsError(DEPS_CODES.noVersion, `hub package versions did not settle after ${MAX_ROUNDS} rounds`, roots[0]?.declaredAt, 'pin the hub packages to exact versions');
}

/** Downloads the chosen hub versions; the other packages are already fetched. */
export async function fetchResolved(resolved: ResolvedPackage[], context: FetchContext): Promise<FetchedPackage[]> {
  const result: FetchedPackage[] = [];
  for (const node of resolved) result.push(node.kind === 'hub' ? await fetchHubVersion(node.spec, node.index, node.version, context) : node.fetched);
  return result;
}

/** The lock entry of a resolved package without downloading hub tarballs (`deps --lock`). */
export function lockEntryOf(node: ResolvedPackage): Record<string, unknown> {
  if (node.kind === 'fetched') return node.fetched.lockEntry;
  const published = node.index.versions[node.version];
  return { package: node.spec.package, name: published?.name ?? node.index.name, version: node.version };
}

/** The name a resolved package installs under, when known without downloading. */
export function nameOf(node: ResolvedPackage): string {
  return node.kind === 'fetched' ? node.fetched.name : (node.index.versions[node.version]?.name ?? node.index.name);
}

function combinedRange(wanted: HubSpec[]): VersionRange {
  let range: VersionRange = {};
  for (const spec of wanted) {
    range = intersectRanges(range, spec.range);
    if (isEmptyRange(range)) throw conflict(wanted, 'version ranges that do not overlap');
  }
  return range;
}

function pickVersion(index: HubPackage, wanted: HubSpec[]): string {
  const range = combinedRange(wanted);
  const prerelease = wanted.some((spec) => spec.installPrerelease);
  const best = highestSatisfying(Object.keys(index.versions), range, prerelease);
  if (best) return best.text in index.versions ? best.text : Object.keys(index.versions).find((v) => v.replace(/^v/, '') === best.text)!;
  if (wanted.length === 1) {
    const published = Object.keys(index.versions);
    throw depsError(
      DEPS_CODES.noVersion,
      `no published version of ${wanted[0].package} satisfies ${formatRange(range)}`,
      wanted[0].declaredAt,
      `published: ${published.slice(-8).join(', ') || 'none'}${prerelease ? '' : '; prereleases need install-prerelease: true'}`,
    );
  }
  throw conflict(wanted, `no published version satisfying ${formatRange(range)}`);
}

function conflict(wanted: HubSpec[], what: string): StrataError {
  const who = wanted.map((spec) => `${formatRange(spec.range)} (${spec.requiredBy}, ${placeOf(spec.declaredAt)})`).join(' and ');
  const last = wanted[wanted.length - 1];
  return depsError(DEPS_CODES.noVersion, `version conflict for ${last.package}: ${what}: ${who}`, last.declaredAt, 'widen one of the ranges, or pin a version all requirers accept');
}

function hubRequirements(spec: HubSpec, index: HubPackage, version: string, context: FetchContext): PackageSpec[] {
  const requirer = `${spec.package}@${version}`;
  return (index.versions[version]?.packages ?? []).map((entry) => parseSpec(entry, spec.declaredAt, context.rootDir, requirer, context.env));
}

function checkSameRevision(first: GitSpec, other: GitSpec): void {
  if ((first.revision ?? 'HEAD') === (other.revision ?? 'HEAD')) return;
  throw depsError(
    DEPS_CODES.gitRevisionConflict,
    `${describeSpec(other)} is required at two revisions: ${first.revision ?? 'HEAD'} (${first.requiredBy}, ${placeOf(first.declaredAt)}) and ${other.revision ?? 'HEAD'} (${other.requiredBy})`,
    other.declaredAt,
    'require the same revision everywhere',
  );
}
