/**
 * The docs site in a real headless Chromium: opened from the file system with every non-file request
 * blocked, and through `strata docs serve`. The Pagila project is built on the embedded engine first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { copyPagilaProject, describeRun, strata, withAdapter } from '../pagila/pagila-project.js';
import { REPO_ROOT } from '../support/strata-cli.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { describeWithChromium, launchChromium } from './chromium.js';

type Json = Record<string, any>;

describeWithChromium('docs site in Chromium', (executablePath) => {
  let projectDir: string;
  let browser: Browser;
  let manifest: Json;

  beforeAll(async () => {
    projectDir = copyPagilaProject();
    const build = await strata(['build', '--project-dir', projectDir]);
    expect(build.exitCode, describeRun(build)).toBe(0);
    const generate = await strata(['docs', 'generate', '--project-dir', projectDir]);
    expect(generate.exitCode, describeRun(generate)).toBe(0);
    manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'target', 'manifest.json'), 'utf8')) as Json;
    browser = await launchChromium(executablePath);
    // A whole Pagila build on a machine shared with the other suites.
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (projectDir) fs.rmSync(projectDir, { recursive: true, force: true });
  });

  /** A page that records console errors, page errors and every request that is not file://. */
  async function openPage(url: string, offline: boolean): Promise<{ page: Page; errors: string[]; blocked: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const blocked: string[] = [];
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
    page.on('pageerror', (error) => errors.push(String(error)));
    if (offline) {
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith('file:')) return route.continue();
        blocked.push(route.request().url());
        return route.abort();
      });
    }
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('strata:first-paint').length > 0);
    return { page, errors, blocked };
  }

  /** Ancestors of `id` (and itself) in the manifest's parent_map, without tests: the lineage of `+name`. */
  function lineageOf(id: string): string[] {
    const seen = new Set<string>();
    const stack = [id];
    while (stack.length > 0) {
      const next = stack.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...((manifest.parent_map[next] as string[]) ?? []));
    }
    return [...seen].filter((n) => !n.startsWith('test.') && !n.startsWith('unit_test.')).sort();
  }

  it('opens index.html from disk with the network off: lineage, node page, column types, search', async () => {
    const { page, errors, blocked } = await openPage(pathToFileURL(path.join(projectDir, 'target', 'index.html')).href, true);
    const everything = Object.keys(manifest.nodes).filter((id) => /^(model|seed|snapshot)\./.test(id)).length + Object.keys(manifest.sources).length;
    expect(await page.locator('#graph .node').count()).toBe(everything);

    await page.fill('#select', '+gold_customer_metrics');
    await page.press('#select', 'Enter');
    const shown = await page.locator('#graph .node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')!).sort());
    expect(shown).toEqual(lineageOf('model.pagila.gold_customer_metrics'));
    expect(await page.locator('#graph .node[data-status=success]').count()).toBe(shown.filter((id) => !id.startsWith('source.')).length);

    await page.locator('#graph .node[data-id="model.pagila.gold_customer_metrics"]').click();
    await expect.poll(() => page.textContent('#node-title')).toBe('gold_customer_metrics');
    expect(page.url()).toContain('#!/node/model.pagila.gold_customer_metrics');
    await page.waitForSelector('#panel code.compiled');
    expect(await page.textContent('#panel code.compiled')).not.toContain('{{');

    const project = loadProject(projectDir);
    const node = manifest.nodes['model.pagila.gold_customer_metrics'];
    const types = await withAdapter(project.target, (adapter) =>
      adapter.query<{ column_name: string; data_type: string }>('select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2', [node.schema, node.alias]),
    );
    expect(types.rows.length).toBeGreaterThan(0);
    for (const column of types.rows) {
      const shownType = await page.textContent(`#panel tr[data-column="${column.column_name}"] .column-type`);
      expect(shownType?.startsWith(column.data_type), `${column.column_name}: ${shownType} vs ${column.data_type}`).toBe(true);
    }

    await page.fill('#search', 'customer_tier');
    await expect.poll(() => page.locator('#search-results li[data-node]').count()).toBeGreaterThan(0);
    const results = await page.locator('#search-results li[data-node]').evaluateAll((els) => els.map((el) => el.getAttribute('data-node')));
    expect(results).toContain('model.pagila.gold_customer_metrics');
    await page.fill('#search', 'dim_custom');
    await expect.poll(() => page.getAttribute('#search-results li[data-node]', 'data-node')).toBe('model.pagila.dim_customer');
    await page.press('#search', 'Enter');
    await expect.poll(() => page.textContent('#node-title')).toBe('dim_customer');
    await page.click('#panel [data-close]');
    expect(await page.isHidden('#panel')).toBe(true);
    await page.goBack();
    await expect.poll(() => page.textContent('#node-title')).toBe('dim_customer');

    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await page.close();
  });

  it('shows a selector error in the page, not in the console', async () => {
    const { page, errors } = await openPage(pathToFileURL(path.join(projectDir, 'target', 'index.html')).href, true);
    await page.fill('#select', 'nosuchmethod:x');
    await page.press('#select', 'Enter');
    expect(await page.getAttribute('#selection-info', 'class')).toBe('problem');
    expect(await page.locator('#graph .node').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is served by strata docs serve on loopback', async () => {
    const server = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/strata.js'), 'docs', 'serve', '--port', '0', '--project-dir', projectDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await servedUrl(server);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const { page, errors } = await openPage(url, false);
      expect(await page.locator('#graph .node').count()).toBeGreaterThan(40);
      expect(errors).toEqual([]);
      await page.close();
      const outside = await fetch(new URL('/..%2f..%2fproject.yml', url));
      expect(outside.status).toBe(404);
    } finally {
      server.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => server.on('close', resolve));
    expect(code).toBe(0);
  });
});

function servedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`docs serve printed no address: ${output}`)), 20_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/\S+\/)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('close', () => reject(new Error(`docs serve exited: ${output}`)));
  });
}
