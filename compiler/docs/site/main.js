// The docs page: reads the data embedded by `strata docs generate` (window.STRATA_DOCS), evaluates the
// selector box with Strata's own selector modules, draws the lineage, shows a node's page from the
// URL's hash (#!/node/<id>), opens dashboards (#!/dashboard/<name>?filter=value, their script and data
// loaded on first use), and searches. Timings are left as performance marks for the benchmark:
// `strata:first-paint` and `strata:filter` (measures).
import { pageSelector } from '../page-select.ts';
import { isLineageNode, layoutSelection } from './lineage-layout.js';
import { LineageView } from './lineage-view.js';
import { nodePageHtml } from './node-page.js';
import { createSearch, resultsHtml } from './search.js';
import { escapeHtml } from './text-format.js';

const scriptStarted = performance.now();
const data = window.STRATA_DOCS;
const $ = (id) => document.getElementById(id);
const byId = new Map(data.nodes.map((n) => [n.id, n]));
const childrenOf = new Map();
const testsOf = new Map();
for (const node of data.nodes) {
  for (const parent of node.dependsOn.nodes) {
    if (!childrenOf.has(parent)) childrenOf.set(parent, []);
    childrenOf.get(parent).push(node.id);
  }
  const attached = node.test?.attachedNode;
  if (attached) {
    if (!testsOf.has(attached)) testsOf.set(attached, []);
    testsOf.get(attached).push(node);
  }
}

const select = pageSelector(data.nodes);
const graphReady = performance.now();
const search = createSearch(data.nodes);
const view = new LineageView($('graph'), $('viewport'), {
  onNode: (id) => openNode(id),
  onGroup: (group) => {
    $('select').value = group.selector;
    applySelection();
  },
});

/** Paint is done when the frame after the change has been drawn. */
function afterPaint(fn) {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

/** Where the last selection's time went (read by the benchmark). */
let timings = {};

function applySelection() {
  const started = performance.now();
  const result = select($('select').value, $('exclude').value);
  const selected = performance.now();
  const layout = layoutSelection(result.ids, byId);
  const laidOut = performance.now();
  view.show(layout);
  timings = { selectMs: selected - started, layoutMs: laidOut - selected, drawMs: performance.now() - laidOut };
  const count = result.ids.filter((id) => isLineageNode(byId.get(id))).length;
  const info = $('selection-info');
  const shown = layout.mode === 'folders' ? `, shown as ${layout.items.length} folders (click one to open it)` : layout.mode === 'columns' ? ', in columns by layer' : '';
  info.textContent = result.message && result.ids.length === 0 ? result.message : `${count} nodes${shown}${result.message ? ` · ${result.message}` : ''}`;
  info.className = result.message ? 'problem' : '';
  view.highlight(currentId());
  afterPaint(() => performance.measure('strata:filter', { start: started, end: performance.now() }));
  return { count, mode: layout.mode, drawn: layout.items.length };
}

function currentId() {
  const match = /^#!\/node\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

/** `#!/dashboard/<name>?tier=Gold` → { name, selected: { tier: 'Gold' } }. */
function currentDashboard() {
  const match = /^#!\/dashboard\/([^?]+)(?:\?(.*))?$/.exec(location.hash);
  if (!match) return null;
  const selected = {};
  for (const [key, value] of new URLSearchParams(match[2] ?? '')) selected[key] = value;
  return { name: decodeURIComponent(match[1]), selected };
}

/** Loads a script of assets/ once; resolves when it has run. */
const loaded = new Map();
function loadScript(src) {
  if (!loaded.has(src)) {
    loaded.set(src, new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.body.appendChild(script);
    }));
  }
  return loaded.get(src);
}

async function showDashboard(route) {
  $('lineage').hidden = true;
  $('panel').hidden = true;
  const section = $('dashboard');
  section.hidden = false;
  markView(route.name);
  if (!window.strataDashboards) {
    section.innerHTML = '<p><em>Loading the dashboard…</em></p>';
    await loadScript('assets/dashboards.js');
    await loadScript('assets/strata-dashboards.js');
  }
  if (currentDashboard()?.name !== route.name) return;
  window.strataDashboards.show(route.name, section, route.selected, (selected) => {
    const query = new URLSearchParams(Object.entries(selected).filter(([, v]) => v !== null && v !== undefined)).toString();
    history.replaceState(null, '', `#!/dashboard/${encodeURIComponent(route.name)}${query ? `?${query}` : ''}`);
  });
  afterPaint(() => performance.mark('strata:dashboard'));
}

function markView(name) {
  document.body.classList.toggle('view-dashboard', Boolean(name));
  if ($('dashboard-menu')) $('dashboard-menu').value = name ?? '';
  for (const link of document.querySelectorAll('#views a')) link.classList.toggle('active', link.getAttribute('data-view') === (name ? `dashboard:${name}` : 'lineage'));
}

function openNode(id) {
  location.hash = `#!/node/${encodeURIComponent(id)}`;
}

/** Back to the lineage alone; a history entry, so Back reopens the node. */
function closeNode() {
  history.pushState(null, '', location.pathname + location.search);
  showRoute();
}

function showRoute() {
  const dashboard = currentDashboard();
  if (dashboard) {
    showDashboard(dashboard);
    return;
  }
  if (!$('dashboard').hidden) {
    $('dashboard').hidden = true;
    window.strataDashboards?.dispose();
    $('lineage').hidden = false;
    view.fit();
  }
  markView(null);
  const id = currentId();
  const node = id && byId.get(id);
  const panel = $('panel');
  if (!node) {
    panel.hidden = true;
    view.highlight(null);
    return;
  }
  panel.innerHTML = nodePageHtml(node, { byId, childrenOf, testsOf, sql: window.STRATA_SQL });
  panel.hidden = false;
  panel.scrollTop = 0;
  view.highlight(id);
}

function legend() {
  const types = ['model', 'seed', 'snapshot', 'source', 'exposure'].map((t) => `<span><i style="background:var(--${t})"></i>${t}</span>`);
  const statuses = ['success', 'error', 'warn', 'skipped', 'none'].map((s) => `<span><i style="border-color:var(--${s})"></i>${s === 'none' ? 'not run' : s}</span>`);
  $('legend').innerHTML = [...types, ...statuses].join('');
}

function wire() {
  $('project-name').textContent = `${data.projectName} docs`;
  const dashboards = data.dashboards ?? [];
  // One or two dashboards are links in the bar; more are a list to choose from, so the bar stays one line.
  $('dashboard-links').innerHTML =
    dashboards.length <= 2
      ? dashboards.map((d) => `<a href="#!/dashboard/${encodeURIComponent(d.name)}" data-view="dashboard:${escapeHtml(d.name)}">${escapeHtml(d.title)}</a>`).join('')
      : `<select id="dashboard-menu" aria-label="Dashboards"><option value="">Dashboards (${dashboards.length})…</option>${dashboards.map((d) => `<option value="${escapeHtml(d.name)}">${escapeHtml(d.title)}</option>`).join('')}</select>`;
  $('dashboard-menu')?.addEventListener('change', (event) => event.target.value && (location.hash = `#!/dashboard/${encodeURIComponent(event.target.value)}`));
  document.title = `${data.projectName} · Strata docs`;
  $('apply').addEventListener('click', applySelection);
  $('fit').addEventListener('click', () => view.fit());
  for (const input of [$('select'), $('exclude')]) input.addEventListener('keydown', (e) => e.key === 'Enter' && applySelection());
  window.addEventListener('hashchange', showRoute);
  $('panel').addEventListener('click', (event) => {
    if (event.target.closest('[data-close]')) closeNode();
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('panel').hidden && !event.target.closest('input')) closeNode();
  });
  const results = $('search-results');
  $('search').addEventListener('input', () => {
    const query = $('search').value;
    results.hidden = query.trim() === '';
    if (!results.hidden) results.innerHTML = resultsHtml(search(query));
  });
  $('search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') results.querySelector('li[data-node]')?.click();
    if (event.key === 'Escape') results.hidden = true;
  });
  results.addEventListener('click', (event) => {
    const item = event.target.closest('li[data-node]');
    if (!item) return;
    results.hidden = true;
    openNode(item.getAttribute('data-node'));
  });
  window.addEventListener('resize', () => view.fit());
  window.addEventListener('strata-sql', () => currentId() && showRoute());
}

function loadSql() {
  const script = document.createElement('script');
  script.src = 'assets/sql.js';
  document.body.appendChild(script);
}

wire();
legend();
const bootTimings = { scriptStart: scriptStarted, graphMs: graphReady - scriptStarted, nodes: data.nodes.length };
applySelection();
showRoute();
afterPaint(() => {
  performance.mark('strata:first-paint');
  loadSql();
});

/** For tests and benchmarks: apply a selector as the box does. */
window.strataDocs = {
  select(text, exclude = '') {
    $('select').value = text;
    $('exclude').value = exclude;
    return applySelection();
  },
  open: openNode,
  openDashboard: (name) => (location.hash = `#!/dashboard/${encodeURIComponent(name)}`),
  timings: () => timings,
  boot: () => bootTimings,
  escapeHtml,
};
