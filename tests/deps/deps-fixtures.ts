/**
 * Real files for the deps suites: temp projects and packages, git repositories made with the git CLI,
 * .tar.gz files made with the tar CLI, and a package hub served by node:http in the same JSON format
 * as hub.getdbt.com.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { installDependencies, type DepsEvent, type DepsOptions, type DepsResult } from '../../compiler/deps/install.js';
import { StrataError } from '../../compiler/diagnostics/strata-error.js';

export function tempDir(prefix = 'strata-deps-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `files` (path → text) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): string {
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

/** A dbt package: dbt_project.yml with `name`, a macro, and optionally its own packages.yml. */
export function packageFiles(name: string, options: { packagesYml?: string; macro?: string } = {}): Record<string, string> {
  return {
    'dbt_project.yml': `name: '${name}'\nversion: '1.0.0'\nconfig-version: 2\n`,
    [`macros/${name}.sql`]: options.macro ?? `{% macro ${name}_hello() %}hello from ${name}{% endmacro %}\n`,
    ...(options.packagesYml ? { 'packages.yml': options.packagesYml } : {}),
  };
}

/** A root project with project.yml and packages.yml. */
export function makeProject(packagesYml: string, extra: Record<string, string> = {}): string {
  return writeFiles(tempDir('strata-deps-project-'), { 'project.yml': 'name: root_project\n', 'packages.yml': packagesYml, ...extra });
}

export interface DepsRun {
  result?: DepsResult;
  error?: StrataError;
  events: DepsEvent[];
  lines: string[];
}

/** `installDependencies`, collecting its events; a StrataError is returned, not thrown. */
export async function runDeps(projectDir: string, options: Partial<DepsOptions> = {}): Promise<DepsRun> {
  const events: DepsEvent[] = [];
  try {
    const result = await installDependencies({ projectDir, ...options, onEvent: (event) => events.push(event) });
    return { result, events, lines: events.filter((e) => e.type === 'installed').map((e) => `${e.name} ${e.version ?? ''} ${e.source}`.replace(/ +/g, ' ')) };
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    return { error, events, lines: [] };
  }
}

/** Entries of the install path (staging folders included, so a test sees any left behind). */
export function installed(projectDir: string, installPath = 'dbt_packages'): string[] {
  const dir = path.join(projectDir, installPath);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' };

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], { cwd, env: GIT_ENV, encoding: 'utf8' }).trim();
}

/** A bare repository and a work tree pushing to it; `commit` writes files, commits, optionally tags, pushes. */
export function makeGitRepo(): { url: string; commit(files: Record<string, string>, tag?: string, branch?: string): string } {
  const root = tempDir('strata-deps-git-');
  const bare = path.join(root, 'repo.git');
  const work = path.join(root, 'work');
  git(root, 'init', '--quiet', '--bare', bare);
  git(root, 'init', '--quiet', work);
  git(work, 'remote', 'add', 'origin', bare);
  return {
    url: `file://${bare}`,
    commit(files, tag, branch = 'main') {
      const current = existsSync(path.join(work, '.git', 'HEAD')) ? readFileSync(path.join(work, '.git', 'HEAD'), 'utf8') : '';
      if (!current.includes(`refs/heads/${branch}`)) git(work, 'checkout', '--quiet', '-B', branch);
      writeFiles(work, files);
      git(work, 'add', '-A');
      git(work, 'commit', '--quiet', '-m', `commit ${Object.keys(files).join(', ')}`);
      if (tag) git(work, 'tag', tag);
      git(work, 'push', '--quiet', 'origin', branch, '--tags');
      return git(work, 'rev-parse', 'HEAD');
    },
  };
}

/** `tar -czf` of `files` under one top-level folder, as GitHub's tarballs are. */
export function makeTarball(topFolder: string, files: Record<string, string>): Buffer {
  const dir = tempDir('strata-deps-tar-');
  writeFiles(path.join(dir, topFolder), files);
  const out = path.join(dir, 'out.tar.gz');
  execFileSync('tar', ['-czf', out, '-C', dir, topFolder]);
  const data = readFileSync(out);
  rmSync(dir, { recursive: true, force: true });
  return data;
}

export interface HubVersionFixture {
  files: Record<string, string>;
  packages?: unknown[];
  /** Serve a tarball whose sha1 differs from the one the JSON gives. */
  wrongSha1?: boolean;
}

/**
 * A package hub on 127.0.0.1: `/api/v1/<org>/<name>.json` in hub.getdbt.com's shape and
 * `/tarballs/<org>/<name>/<version>.tar.gz`. `publish` adds versions while it runs.
 */
export async function startHub(): Promise<{ url: string; publish(fullName: string, version: string, fixture: HubVersionFixture): void; requests: string[]; close(): Promise<void> }> {
  const packages = new Map<string, Map<string, HubVersionFixture & { tarball: Buffer }>>();
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    requests.push(url);
    const json = /^\/api\/v1\/([^/]+\/[^/]+)\.json$/.exec(url);
    if (json && packages.has(json[1])) {
      const [namespace, name] = json[1].split('/');
      const versions = Object.fromEntries(
        [...packages.get(json[1])!].map(([version, fixture]) => [
          version,
          {
            id: `${json[1]}/${version}`,
            name: projectName(fixture.files),
            version,
            published_at: '2024-01-01T00:00:00Z',
            packages: fixture.packages ?? [],
            works_with: [],
            _source: { type: 'github', url: `https://github.com/${json[1]}/`, readme: '' },
            downloads: {
              tarball: `${base}/tarballs/${json[1]}/${version}.tar.gz`,
              format: 'tgz',
              sha1: fixture.wrongSha1 ? '0'.repeat(40) : createHash('sha1').update(fixture.tarball).digest('hex'),
            },
          },
        ]),
      );
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name, namespace, latest: Object.keys(versions).at(-1), versions }));
      return;
    }
    const tarball = /^\/tarballs\/([^/]+\/[^/]+)\/([^/]+)\.tar\.gz$/.exec(url);
    const fixture = tarball && packages.get(tarball[1])?.get(tarball[2]);
    if (fixture) {
      response.writeHead(200, { 'content-type': 'application/gzip' }).end(fixture.tarball);
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    publish(fullName, version, fixture) {
      if (!packages.has(fullName)) packages.set(fullName, new Map());
      const top = `${fullName.replace('/', '-')}-${version}`;
      packages.get(fullName)!.set(version, { ...fixture, tarball: makeTarball(top, fixture.files) });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function projectName(files: Record<string, string>): string {
  return /name:\s*'?([A-Za-z0-9_]+)/.exec(files['dbt_project.yml'] ?? '')?.[1] ?? 'unknown';
}
