/**
 * The docs site in a real headless Chromium: opened from the file system with every non-file request
 * blocked, and through `strata docs serve`. The Pagila project is built on the embedded engine first.
 * Each tile of the Pagila dashboards is checked against the same query run with `strata show`.
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
import { readDashboard, type DashboardDefinition, type DashboardTile } from '../../compiler/dashboards/dashboard-file.js';
import { describeWithChromium, launchChromium } from './chromium.js';
import { near, showRows, tileSql, whereOf } from './tile-queries.js';

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
    const everything = Object.keys(manifest.nodes).filter((id) => /^(model|seed|snapshot)\./.test(id)).length + Object.keys(manifest.sources).length + Object.keys(manifest.exposures).length;
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

  it('shows the exposures in the lineage, and +exposure:customer_health selects what the dashboard reads', async () => {
    const { page, errors } = await openPage(pathToFileURL(path.join(projectDir, 'target', 'index.html')).href, true);
    const exposures = await page.locator('#graph .node[data-type=exposure]').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')).sort());
    expect(exposures).toEqual(Object.keys(manifest.exposures).sort());
    expect(exposures).toEqual(expect.arrayContaining(['exposure.pagila.customer_health', 'exposure.pagila.segments']));
    await page.fill('#select', '+exposure:customer_health');
    await page.press('#select', 'Enter');
    const shown = await page.locator('#graph .node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')!).sort());
    expect(shown).toEqual(lineageOf('exposure.pagila.customer_health'));
    expect(shown).toContain('model.pagila.gold_customer_metrics');
    await page.locator('#graph .node[data-id="exposure.pagila.customer_health"]').click();
    await expect.poll(() => page.textContent('#node-title')).toBe('customer_health');
    expect(await page.textContent('#panel')).toContain('dashboard');
    await page.click('#panel a.open-dashboard');
    await page.waitForFunction(() => performance.getEntriesByName('strata:dashboard').length > 0);
    expect(await page.textContent('#dashboard-title')).toBe('Customer health');
    expect(errors).toEqual([]);
    await page.close();
  });

  /** The dashboard files as the project has them (queries as written, with refs). */
  function dashboards(): DashboardDefinition[] {
    const files = fs.readdirSync(path.join(projectDir, 'dashboards')).filter((file) => file.endsWith('.yml')).sort();
    return files.map((file) => readDashboard(`dashboards/${file}`, fs.readFileSync(path.join(projectDir, 'dashboards', file), 'utf8')));
  }

  async function openDashboard(url: string, offline: boolean) {
    const opened = await openPage(url, offline);
    await opened.page.waitForFunction(() => performance.getEntriesByName('strata:dashboard').length > 0);
    return opened;
  }

  const tileData = (page: Page, id: string) => page.evaluate((tile) => (window as unknown as { strataDashboards: { tileData(id: string): any } }).strataDashboards.tileData(tile), id);

  /** Asserts that tile `tile` of the open page shows what the database computes from its query (with the filters' `where`). */
  async function expectTileMatches(page: Page, dashboard: DashboardDefinition, tile: DashboardTile, filters: Record<string, string | number> = {}): Promise<void> {
    const query = dashboard.queries.find((q) => q.name === tile.query)!;
    const what = `${dashboard.name} ${tile.id} (${tile.type} '${tile.title ?? ''}')`;
    const rows = await showRows(projectDir, tileSql(tile, query.sql, whereOf(filters)));
    const shown = await tileData(page, tile.id);
    expect(shown, what).toBeTruthy();
    if (tile.type === 'kpi') {
      const value = await page.getAttribute(`[data-tile="${tile.id}"] .kpi-value`, 'data-value');
      expect(near(value === '' ? null : Number(value), rows[0]!.value), `${what}: ${value} vs ${String(rows[0]!.value)}`).toBe(true);
      expect(near(shown.value, rows[0]!.value), what).toBe(true);
      expect((await page.textContent(`[data-tile="${tile.id}"] .kpi-value`))?.trim(), what).not.toBe('');
      if (tile.compare) {
        const previous = await page.getAttribute(`[data-tile="${tile.id}"] .kpi-previous`, 'data-value');
        expect(near(Number(previous), rows[0]!.compare), `${what}: previous ${previous} vs ${String(rows[0]!.compare)}`).toBe(true);
      }
    } else if (tile.type === 'heatmap') {
      const expected = new Map(rows.map((r) => [`${String(r.x)}|${String(r.y)}`, r.value]));
      const cells = (shown.cells as [number, number, number][]).map(([xi, yi, v]) => [`${shown.xs[xi]}|${shown.ys[yi]}`, v] as const);
      expect(cells.length, what).toBe(expected.size);
      for (const [key, value] of cells) expect(near(value, expected.get(key)), `${what} ${key}: ${value} vs ${String(expected.get(key))}`).toBe(true);
    } else if (tile.type === 'scatter') {
      const points = (shown.series as { data: [number, number][] }[]).flatMap((s) => s.data.map(([x, y]) => `${x}|${y}`)).sort();
      expect(points, what).toEqual(rows.map((r) => `${Number(r.x)}|${Number(r.y)}`).sort());
    } else if (tile.type === 'table') {
      const body = await page.locator(`[data-tile="${tile.id}"] tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(body.length, what).toBe(Math.min(rows.length, tile.limit ?? 100));
      expect(await page.textContent(`[data-tile="${tile.id}"] .table-count`), what).toContain(`${rows.length} rows`);
      const model = shown as { columns: string[]; rows: unknown[][] };
      const byId = new Map(rows.map((r) => [String(r[model.columns[0]!]), r]));
      const sortBy = tile.sort?.replace(/^-/, '');
      model.rows.forEach((row, i) => {
        const expected = byId.get(String(row[0]));
        expect(expected, `${what} row ${String(row[0])}`).toBeDefined();
        model.columns.forEach((column, c) => {
          const a = row[c];
          const b = expected![column];
          expect(typeof a === 'number' ? near(a, b) : String(a ?? '') === String(b ?? ''), `${what} ${column} of ${String(row[0])}: ${String(a)} vs ${String(b)}`).toBe(true);
        });
        // In the database's order of the sort column (ties may list their rows either way).
        if (sortBy) expect(near(row[model.columns.indexOf(sortBy)], rows[i]![sortBy]), `${what} order at row ${i}`).toBe(true);
      });
    } else {
      const series = shown.series as { name: string; data: (number | null)[] }[];
      const categories = (shown.categories as string[]).map(String);
      const expected = new Map<string, unknown>();
      for (const r of rows) {
        if (tile.series) expected.set(`${String(r.x)}|${String(r.series)}`, r.value);
        else tile.y!.forEach((y, i) => expected.set(`${String(r.x)}|${y}`, r[`y${i}`]));
      }
      const distinct = new Set(rows.map((r) => String(r.x))).size;
      expect(categories.length, what).toBe(tile.limit ? Math.min(tile.limit, distinct) : distinct);
      for (const s of series) {
        categories.forEach((category, i) => {
          const want = expected.get(`${category}|${s.name}`) ?? null;
          expect(near(s.data[i], want), `${what} ${category}/${s.name}: ${String(s.data[i])} vs ${String(want)}`).toBe(true);
        });
      }
      if (tile.limit && tile.sort?.startsWith('-')) {
        // The categories kept are the largest: none left out is larger than the smallest kept.
        const kept = new Set(categories);
        const smallest = Math.min(...series[0]!.data.map(Number));
        for (const r of rows) if (!kept.has(String(r.x))) expect(Number(tile.series ? r.value : r.y0), `${what}: ${String(r.x)} left out`).toBeLessThanOrEqual(smallest);
      }
    }
  }

  it('draws every tile of the Pagila dashboards with the numbers strata show gives for its query, from disk and offline', async () => {
    for (const dashboard of dashboards()) {
      const url = `${pathToFileURL(path.join(projectDir, 'target', 'index.html')).href}#!/dashboard/${dashboard.name}`;
      const { page, errors, blocked } = await openDashboard(url, true);
      expect(await page.locator('[data-tile]').count()).toBe(dashboard.tiles.length);
      expect(new Set(dashboard.tiles.map((t) => t.type)).size).toBeGreaterThan(3);
      for (const tile of dashboard.tiles) await expectTileMatches(page, dashboard, tile);
      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      await page.close();
    }
  }, 300_000);

  it('filters the segments dashboard in the page, and drills down from a heatmap cell to the customer list', async () => {
    const segments = dashboards().find((d) => d.name === 'segments')!;
    const url = `${pathToFileURL(path.join(projectDir, 'target', 'index.html')).href}#!/dashboard/segments`;
    const { page, errors } = await openDashboard(url, true);
    await page.selectOption('select[data-filter="tier"]', 'Gold');
    expect(page.url()).toContain('#!/dashboard/segments?tier=Gold');
    for (const tile of segments.tiles) await expectTileMatches(page, segments, tile, { customer_tier: 'Gold' });

    // A click on the heatmap's cell (Platinum, Champions) sets both filters.
    await page.selectOption('select[data-filter="tier"]', '');
    const heatmap = segments.tiles.find((t) => t.type === 'heatmap')!;
    const cells = await tileData(page, heatmap.id);
    const xi = (cells.xs as string[]).indexOf('Platinum');
    const yi = (cells.ys as string[]).indexOf('Champions');
    const at = await page.evaluate(([id, x, y]) => (window as unknown as { strataDashboards: { pixelOf(id: string, v: number[]): { x: number; y: number } } }).strataDashboards.pixelOf(id as string, [x as number, y as number]), [heatmap.id, xi, yi]);
    await page.mouse.click(at.x, at.y);
    await expect.poll(() => page.inputValue('select[data-filter="segment"]')).toBe('Champions');
    expect(await page.inputValue('select[data-filter="tier"]')).toBe('Platinum');
    const table = segments.tiles.find((t) => t.type === 'table')!;
    await expectTileMatches(page, segments, table, { customer_tier: 'Platinum', rfm_segment: 'Champions' });
    const list = await showRows(projectDir, tileSql(table, segments.queries[0]!.sql, whereOf({ customer_tier: 'Platinum', rfm_segment: 'Champions' })));
    expect(list.length).toBeGreaterThan(0);
    expect(await page.locator(`[data-tile="${table.id}"] tbody tr`).count()).toBe(list.length);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

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
      const health = dashboards().find((d) => d.name === 'customer_health')!;
      const served = await openDashboard(`${url}#!/dashboard/customer_health`, false);
      for (const tile of health.tiles.filter((t) => t.type === 'kpi')) await expectTileMatches(served.page, health, tile);
      expect(served.errors).toEqual([]);
      await served.page.close();
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
