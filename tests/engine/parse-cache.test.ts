/**
 * The parse cache (compiler/render/parse-cache.ts): a reused parse is the same data as a fresh one, for
 * every fixture project and the Pagila project; and it is reused only while the project, the
 * environment variables its templates read and Strata's build are the same, never after a parse that
 * read the clock. Pure: load → parse, no database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../compiler/project/load-project.js';
import { projectDigest } from '../../compiler/project/project-digest.js';
import { parseCacheFile, parseProjectCached } from '../../compiler/render/parse-cache.js';
import { parseProject, type ParsedProject } from '../../compiler/render/parse-project.js';
import { FIXTURES, REPO_ROOT, writeFiles } from './cli.js';

const STARTED = new Date('2024-05-06T07:08:09.000Z');
/** The parse kept in `cacheDir` for the project's default target. */
const keptFile = (cacheDir: string, root: string) => path.join(cacheDir, parseCacheFile(loadProject(root, { env: {} }).target.name));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-parse-cache-'));
  dirs.push(dir);
  return dir;
}

/** What a command reads of a parse. */
function data(parsed: ParsedProject) {
  return { manifest: parsed.manifest, templates: [...parsed.templates], dashboards: parsed.dashboards, warnings: parsed.warnings, properties: parsed.properties };
}

function cached(root: string, cacheDir: string, env: NodeJS.ProcessEnv = {}, observer?: Parameters<typeof parseProjectCached>[1]['observer']): ParsedProject {
  const project = loadProject(root, { env });
  return parseProjectCached(project, { runStartedAt: STARTED, invocationId: 'test', env, observer }, { dir: cacheDir, key: projectDigest(project), write: true });
}

/** Marks the stored parse so that a reuse of it shows: its warnings become one sentinel. */
function mark(cacheDir: string, root: string): void {
  const file = keptFile(cacheDir, root);
  const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { warnings: unknown[] };
  stored.warnings = [{ code: 'SENTINEL', message: 'reused' }];
  fs.writeFileSync(file, JSON.stringify(stored));
}
const reused = (parsed: ParsedProject) => parsed.warnings.some((w) => w.code === 'SENTINEL');

describe('the parse cache', () => {
  const kept: string[] = [];
  const projects = [...fs.readdirSync(FIXTURES).map((name) => path.join(FIXTURES, name)), REPO_ROOT].filter((dir) => fs.existsSync(path.join(dir, 'project.yml')));

  it.each(projects.map((dir) => [path.relative(REPO_ROOT, dir) || 'pagila', dir]))('a reused parse of %s is the fresh parse', (_name, dir) => {
    const cacheDir = scratch();
    let fresh: ParsedProject;
    try {
      fresh = parseProject(loadProject(dir, { env: {} }), { runStartedAt: STARTED, invocationId: 'test', env: {} });
    } catch {
      // A fixture with deliberate errors (or needing `strata deps`): nothing is cached for it either.
      expect(() => cached(dir, cacheDir)).toThrow();
      expect(fs.readdirSync(cacheDir).filter((file) => file.startsWith('.strata-parse'))).toEqual([]);
      return;
    }
    const first = cached(dir, cacheDir);
    expect(data(first)).toEqual(data(fresh));
    // A project whose templates read the clock (context, shop) or with a deprecation date (governance) is not kept.
    if (!fs.existsSync(keptFile(cacheDir, dir))) return;
    kept.push(dir);
    const again = cached(dir, cacheDir);
    expect(data(again)).toEqual(data(fresh));
    // And it renders at run time as the fresh one does: the templates' macros are there.
    expect([...again.renderer.macros.keys()]).toEqual([...fresh.renderer.macros.keys()]);
  });

  it('kept the parse of most of them (the comparisons above were not vacuous)', () => {
    expect(kept.length).toBeGreaterThanOrEqual(8);
    expect(kept).toContain(REPO_ROOT);
  });

  it('is reused until a file changes', () => {
    const root = scratch();
    const cacheDir = path.join(root, 'target');
    writeFiles(root, { 'project.yml': 'name: cached\n', 'models/a.sql': 'select 1 as x\n', 'models/b.sql': "select * from {{ ref('a') }}\n" });
    cached(root, cacheDir);
    mark(cacheDir, root);
    expect(reused(cached(root, cacheDir))).toBe(true);
    fs.writeFileSync(path.join(root, 'models/b.sql'), "select x + 1 as y from {{ ref('a') }}\n");
    const edited = cached(root, cacheDir);
    expect(reused(edited)).toBe(false);
    expect(edited.manifest.nodes['model.cached.b' as never]!.rawSql).toContain('x + 1');
    // A new file, and a macro, count as changes too.
    mark(cacheDir, root);
    writeFiles(root, { 'macros/m.sql': '{% macro m() %}1{% endmacro %}\n' });
    expect(reused(cached(root, cacheDir))).toBe(false);
  });

  it('is reused while the environment variables its templates read keep their values, and tells the observer of them', () => {
    const root = scratch();
    const cacheDir = path.join(root, 'target');
    writeFiles(root, { 'project.yml': 'name: cached\n', 'models/a.sql': "select '{{ env_var(\"CACHE_REGION\", \"eu\") }}' as region\n" });
    cached(root, cacheDir, { CACHE_REGION: 'us' });
    mark(cacheDir, root);
    const reads: [string, string | undefined][] = [];
    const hit = cached(root, cacheDir, { CACHE_REGION: 'us', OTHER: 'x' }, { envRead: (name, value) => void reads.push([name, value]), volatile: () => {} });
    expect(reused(hit)).toBe(true);
    expect(reads).toEqual([['CACHE_REGION', 'us']]);
    const changed = cached(root, cacheDir, { CACHE_REGION: 'apac' });
    expect(reused(changed)).toBe(false);
    expect(changed.templates.get('model.cached.a' as never)!.rendered).toContain("'apac'");
    mark(cacheDir, root);
    // Unset is a value too.
    expect(reused(cached(root, cacheDir, {}))).toBe(false);
  });

  it('keeps nothing of a parse that read the clock or printed', () => {
    for (const text of ["select '{{ run_started_at }}' as at\n", "select '{{ modules.datetime.date.today() }}' as d\n", "{% do log('hi', info=True) %}select 1 as x\n"]) {
      const root = scratch();
      const cacheDir = path.join(root, 'target');
      writeFiles(root, { 'project.yml': 'name: cached\n', 'models/a.sql': text });
      cached(root, cacheDir);
      expect(fs.existsSync(keptFile(cacheDir, root)), text).toBe(false);
    }
  });
});

describe('projectDigest', () => {
  it('changes with every input of the parse pass, and only with them', () => {
    const root = scratch();
    writeFiles(root, {
      'project.yml': 'name: digest\nvars:\n  nested: { packages: [a] }\n',
      'models/a.sql': 'select 1 as x\n',
      'seeds/s.csv': 'id\n1\n',
      'dashboards/d.yml': 'title: d\n',
      'tests/fixtures/f.csv': 'id\n1\n',
      'dbt_packages/p/dbt_project.yml': 'name: p\n',
      'dbt_packages/p/macros/m.sql': '{% macro m() %}1{% endmacro %}\n',
    });
    const digest = (options: Parameters<typeof loadProject>[1] = {}) => projectDigest(loadProject(root, { env: {}, ...options }));
    const base = digest();
    expect(digest()).toBe(base);
    const changes: [string, () => void][] = [
      ['a model', () => fs.appendFileSync(path.join(root, 'models/a.sql'), '-- x\n')],
      ['a nested var', () => fs.writeFileSync(path.join(root, 'project.yml'), 'name: digest\nvars:\n  nested: { packages: [b] }\n')],
      ['a seed', () => fs.appendFileSync(path.join(root, 'seeds/s.csv'), '2\n')],
      ['a dashboard', () => fs.appendFileSync(path.join(root, 'dashboards/d.yml'), '# x\n')],
      ['a unit-test fixture', () => fs.appendFileSync(path.join(root, 'tests/fixtures/f.csv'), '2\n')],
      ["a package's macro", () => fs.appendFileSync(path.join(root, 'dbt_packages/p/macros/m.sql'), '\n')],
      ['a new model', () => fs.writeFileSync(path.join(root, 'models/b.sql'), 'select 2 as y\n')],
    ];
    const seen = new Set([base]);
    for (const [what, change] of changes) {
      change();
      const next = digest();
      expect(seen.has(next), what).toBe(false);
      seen.add(next);
    }
    expect(digest({ vars: { nested: 1 } })).not.toBe(digest());
  });
});
