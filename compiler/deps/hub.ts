/**
 * dbt's package hub: `<base>/<org>/<name>.json` lists every published version with its tarball and its
 * own `packages` requirements. The base is `https://hub.getdbt.com/api/v1/`, or `DBT_PACKAGE_HUB_URL`
 * (as in dbt), which also serves private mirrors and tests.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_HUB_URL = 'https://hub.getdbt.com/';

export interface HubVersion {
  name: string;
  version: string;
  /** The package's own requirements, in packages.yml's shape. */
  packages: unknown[];
  downloads: { tarball: string; sha1?: string };
}

export interface HubPackage {
  name: string;
  namespace: string;
  versions: Record<string, HubVersion>;
}

/** Thrown when the hub cannot be reached or answers with something other than the package's JSON. */
export class HubUnreachable extends Error {}

/**
 * The API root: `DBT_PACKAGE_HUB_URL` + `api/v1/` (dbt's variable names the site, not the API; a value
 * that already ends in `/api/v1` is taken as it is).
 *
 * @example hubApiUrl({ DBT_PACKAGE_HUB_URL: 'http://127.0.0.1:4000' }) // 'http://127.0.0.1:4000/api/v1/'
 */
export function hubApiUrl(env: NodeJS.ProcessEnv = process.env): string {
  const site = env.DBT_PACKAGE_HUB_URL?.trim() || DEFAULT_HUB_URL;
  const trimmed = site.replace(/\/+$/, '');
  return trimmed.endsWith('/api/v1') ? `${trimmed}/` : `${trimmed}/api/v1/`;
}

/** Versions of `org/name` on the hub; undefined when the hub does not know the package (404). */
export async function fetchHubPackage(fullName: string, apiUrl: string): Promise<HubPackage | undefined> {
  const url = new URL(`${fullName}.json`, apiUrl).toString();
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new HubUnreachable(`cannot reach ${url}: ${causeOf(error)}`);
  }
  if (response.status === 404) return undefined;
  if (!response.ok) throw new HubUnreachable(`${url} answered ${response.status} ${response.statusText}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new HubUnreachable(`${url} did not answer with JSON`);
  }
  const index = body as Partial<HubPackage>;
  if (!index || typeof index !== 'object' || !index.versions || typeof index.versions !== 'object') throw new HubUnreachable(`${url} has no versions: map`);
  return { name: index.name ?? fullName.split('/')[1], namespace: index.namespace ?? fullName.split('/')[0], versions: index.versions };
}

/** Downloads a tarball; checks the hub's sha1 when it gives one. */
export async function downloadTarball(url: string, sha1?: string): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new HubUnreachable(`cannot download ${url}: ${causeOf(error)}`);
  }
  if (!response.ok) throw new HubUnreachable(`downloading ${url} answered ${response.status} ${response.statusText}`);
  const data = Buffer.from(await response.arrayBuffer());
  if (sha1) {
    const actual = createHash('sha1').update(data).digest('hex');
    if (actual !== sha1.toLowerCase()) throw new HubUnreachable(`${url} has sha1 ${actual}, the hub says ${sha1}`);
  }
  return data;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
