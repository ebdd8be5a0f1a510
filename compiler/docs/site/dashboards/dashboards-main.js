// The dashboards of the docs site (a script of its own, loaded when a dashboard is first opened): the
// filters bar, KPI tiles and tables as HTML, charts with ECharts (only the parts used, SVG renderer, so
// the page stays crisp and its text selectable). Data: window.STRATA_DASHBOARDS (assets/dashboards.js).
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import { escapeHtml, renderMarkdown } from '../text-format.js';
import { filterRows, formatValue, heatmapData, kpiData, rowObjects, scatterData, seriesData, tableData } from './tile-data.js';

echarts.use([BarChart, LineChart, HeatmapChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

const PALETTE = ['#3b6fb6', '#e08a2c', '#4c9a5f', '#b5485d', '#7d5ba6', '#2f9ea0', '#c0a23a', '#8c6d5a', '#5f6f80', '#d46fa2'];
const DEFAULT_WIDTH = { kpi: 1, bar: 2, line: 2, area: 2, heatmap: 2, scatter: 2, table: 4 };

const dashboards = new Map((window.STRATA_DASHBOARDS ?? []).map((d) => [d.name, d]));
let current = null;

/**
 * Draws dashboard `name` into `container` with the filter values `selected` (name → value);
 * `onFilters(selected)` is called when the reader changes them (the page keeps them in its address).
 */
function show(name, container, selected = {}, onFilters = () => {}) {
  dispose();
  const dashboard = dashboards.get(name);
  if (!dashboard) {
    container.innerHTML = `<p class="dash-problem">No dashboard named ${escapeHtml(name)}.</p>`;
    return;
  }
  const queries = new Map(dashboard.queries.map((q) => [q.name, { ...q, objects: rowObjects(q), names: q.columns.map((c) => c.name) }]));
  current = { dashboard, container, queries, selected: { ...selected }, charts: new Map(), onFilters, tileModels: new Map() };
  for (const filter of dashboard.filters) if (current.selected[filter.name] === undefined && filter.default !== undefined) current.selected[filter.name] = filter.default;
  container.innerHTML = headerHtml(dashboard) + `<div class="dash-filters">${filtersHtml(dashboard, queries, current.selected)}</div>` + `<div class="dash-grid">${dashboard.tiles.map(tileFrameHtml).join('')}</div>`;
  container.querySelector('.dash-filters').addEventListener('change', (event) => {
    const select = event.target.closest('select[data-filter]');
    if (!select) return;
    setFilter(select.getAttribute('data-filter'), select.value === '' ? null : select.value);
  });
  container.querySelector('.dash-filters').addEventListener('click', (event) => {
    if (event.target.closest('[data-clear-filters]')) {
      current.selected = {};
      redraw();
    }
  });
  if (!dashboard.ran) {
    const why = dashboard.notBuilt
      ? `Not built when the site was generated: ${dashboard.notBuilt.join(', ')}. Run <code>strata build --select +exposure:${escapeHtml(dashboard.name)}</code>, then <code>strata docs generate</code>.`
      : 'No data: the site was generated with --empty-catalog.';
    for (const el of container.querySelectorAll('.tile-body')) el.innerHTML = `<p class="dash-problem">${escapeHtml(why).replace(/&lt;(\/?)code&gt;/g, '<$1code>')}</p>`;
    return;
  }
  redraw(false);
}

function setFilter(name, value) {
  if (!current) return;
  const filter = current.dashboard.filters.find((f) => f.name === name);
  if (!filter) return;
  // Values arrive as text from the page; keep the type the rows have, so 1 matches 1 and '1' alike.
  current.selected[name] = value;
  redraw();
}

function redraw(notify = true) {
  const { dashboard, container, queries, selected } = current;
  container.querySelector('.dash-filters').innerHTML = filtersHtml(dashboard, queries, selected);
  for (const tile of dashboard.tiles) drawTile(tile);
  if (notify) current.onFilters({ ...selected });
}

function headerHtml(dashboard) {
  const owner = [dashboard.owner?.name, ...[dashboard.owner?.email ?? []].flat()].filter(Boolean).join(' · ');
  const facts = [owner && `owner ${owner}`, dashboard.maturity && `maturity ${dashboard.maturity}`, dashboard.path].filter(Boolean).map(escapeHtml).join(' · ');
  return `<div class="dash-head"><h1 id="dashboard-title">${escapeHtml(dashboard.title)}</h1><p class="dash-facts">${facts} · <a class="node-link" href="#!/node/${encodeURIComponent(dashboard.exposureId)}">exposure in the lineage</a></p>${dashboard.description ? `<div class="dash-description">${renderMarkdown(dashboard.description)}</div>` : ''}</div>`;
}

function filtersHtml(dashboard, queries, selected) {
  if (dashboard.filters.length === 0) return '';
  const parts = dashboard.filters.map((filter) => {
    const values = new Set();
    for (const query of queries.values()) if (query.names.includes(filter.column)) for (const row of query.objects) if (row[filter.column] !== null) values.add(row[filter.column]);
    const sorted = [...values].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : 1));
    const chosen = selected[filter.name];
    const options = [`<option value="">All</option>`, ...sorted.map((v) => `<option value="${escapeHtml(v)}"${chosen !== null && chosen !== undefined && String(chosen) === String(v) ? ' selected' : ''}>${escapeHtml(v)}</option>`)];
    return `<label>${escapeHtml(filter.label)} <select data-filter="${escapeHtml(filter.name)}">${options.join('')}</select></label>`;
  });
  const any = dashboard.filters.some((f) => selected[f.name] !== null && selected[f.name] !== undefined);
  return parts.join('') + (any ? ` <button type="button" data-clear-filters>Clear filters</button>` : '');
}

function tileFrameHtml(tile) {
  const width = tile.width ?? DEFAULT_WIDTH[tile.type];
  return `<section class="tile tile-${tile.type}" data-tile="${tile.id}" data-type="${tile.type}" style="grid-column: span ${width}">
    ${tile.title ? `<h2>${escapeHtml(tile.title)}</h2>` : ''}${tile.description ? `<p class="tile-description">${escapeHtml(tile.description)}</p>` : ''}
    <div class="tile-body"></div></section>`;
}

function tileRows(tile) {
  const query = current.queries.get(tile.query);
  return { query, rows: filterRows(query.objects, query.names, current.dashboard.filters, current.selected) };
}

function drawTile(tile) {
  const body = current.container.querySelector(`[data-tile="${tile.id}"] .tile-body`);
  const { query, rows } = tileRows(tile);
  if (query.error) {
    body.innerHTML = `<p class="dash-problem">The query '${escapeHtml(query.name)}' failed: ${escapeHtml(query.error)}</p>`;
    return;
  }
  const frame = body.parentElement;
  if (query.totalRows && !frame.querySelector('.tile-truncated')) {
    // docs generate kept the first rows only: say so on every tile that reads them.
    frame.insertAdjacentHTML('beforeend', `<p class="tile-truncated">From the first ${query.rows.length.toLocaleString('en-US')} of ${query.totalRows.toLocaleString('en-US')} rows of '${escapeHtml(query.name)}'.</p>`);
  }
  if (tile.type === 'kpi') return drawKpi(tile, rows, body);
  if (tile.type === 'table') return drawTable(tile, rows, query, body);
  drawChart(tile, rows, body);
}

function drawKpi(tile, rows, body) {
  const data = kpiData(tile, rows);
  current.tileModels.set(tile.id, data);
  const change =
    data.change === null
      ? data.compare === null ? '' : `<div class="kpi-compare">${escapeHtml(tile.compare_label ?? 'before')}: <span class="kpi-previous">${escapeHtml(formatValue(data.compare, tile.format))}</span></div>`
      : `<div class="kpi-compare"><span class="kpi-change ${data.change >= 0 ? 'up' : 'down'}${(data.change >= 0) === Boolean(tile.lower_is_better) && data.change !== 0 ? ' worse' : ' better'}">${data.change >= 0 ? '▲' : '▼'} ${escapeHtml(formatValue(Math.abs(data.change), 'percent'))}</span> ${escapeHtml(tile.compare_label ?? 'vs before')}: <span class="kpi-previous" data-value="${data.compare}">${escapeHtml(formatValue(data.compare, tile.format))}</span></div>`;
  body.innerHTML = `<div class="kpi-value" data-value="${data.value === null ? '' : data.value}">${escapeHtml(formatValue(data.value, tile.format))}</div>${change}`;
}

function drawTable(tile, rows, query, body) {
  const data = tableData(tile, rows, query.names);
  current.tileModels.set(tile.id, data);
  const numeric = new Set(query.columns.filter((c) => c.numeric).map((c) => c.name));
  // A column of amounts shows every value with as many decimals as the most precise one (2.50, not 2.5).
  const decimals = data.columns.map((c, i) => (numeric.has(c) ? Math.min(4, Math.max(0, ...data.rows.map((row) => decimalsOf(row[i])))) : 0));
  const cell = (v, i) => (!numeric.has(data.columns[i]) ? (v ?? '') : v === null ? '' : Number(v).toLocaleString('en-US', { minimumFractionDigits: decimals[i], maximumFractionDigits: decimals[i] }));
  const head = data.columns.map((c) => `<th${numeric.has(c) ? ' class="numeric"' : ''}>${escapeHtml(c)}</th>`).join('');
  const bodyRows = data.rows.map((row) => `<tr>${row.map((v, i) => `<td${numeric.has(data.columns[i]) ? ' class="numeric"' : ''}>${escapeHtml(cell(v, i))}</td>`).join('')}</tr>`).join('');
  const shown = data.rows.length < data.total ? `${data.rows.length} of ${data.total} rows` : `${data.total} rows`;
  body.innerHTML = `<div class="table-wrap"><table class="dash-table"><thead><tr>${head}</tr></thead><tbody>${bodyRows}</tbody></table></div><p class="table-count">${shown}</p>`;
}

function decimalsOf(value) {
  if (typeof value !== 'number' || Number.isInteger(value)) return 0;
  const text = String(value);
  return text.includes('e') ? 4 : text.length - text.indexOf('.') - 1;
}

function chartOf(tile, body) {
  let chart = current.charts.get(tile.id);
  if (!chart) {
    body.innerHTML = '';
    chart = echarts.init(body, null, { renderer: 'svg' });
    chart.on('click', (params) => drill(tile, params));
    current.charts.set(tile.id, chart);
  }
  return chart;
}

const axisLabel = { hideOverlap: true, color: '#3e4c59' };

function drawChart(tile, rows, body) {
  const chart = chartOf(tile, body);
  const format = (v) => formatValue(v, tile.format);
  let option;
  if (tile.type === 'heatmap') {
    const data = heatmapData(tile, rows);
    current.tileModels.set(tile.id, data);
    const values = data.cells.map((c) => c[2]).filter((v) => v !== null);
    option = {
      tooltip: { formatter: (p) => `${escapeHtml(data.xs[p.value[0]])} · ${escapeHtml(data.ys[p.value[1]])}: ${escapeHtml(format(p.value[2]))}` },
      grid: { left: 8, right: 76, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: data.xs.map(String), splitArea: { show: true }, axisLabel },
      yAxis: { type: 'category', data: data.ys.map(String), splitArea: { show: true }, axisLabel, inverse: true },
      visualMap: { min: Math.min(0, ...values), max: Math.max(1, ...values), calculable: true, orient: 'vertical', right: 0, top: 'middle', itemHeight: 140, inRange: { color: ['#eef4fb', '#3b6fb6', '#17375e'] } },
      series: [{ type: 'heatmap', data: data.cells, label: { show: true, formatter: (p) => format(p.value[2]) }, emphasis: { itemStyle: { borderColor: '#1f2933', borderWidth: 1 } } }],
    };
  } else if (tile.type === 'scatter') {
    const data = scatterData(tile, rows);
    current.tileModels.set(tile.id, data);
    option = {
      color: PALETTE,
      legend: { top: 0, type: 'scroll' },
      tooltip: { formatter: (p) => `${p.value[2] !== null ? `${escapeHtml(p.value[2])}<br>` : ''}${escapeHtml(tile.x)}: ${escapeHtml(formatValue(p.value[0]))}<br>${escapeHtml(tile.y[0])}: ${escapeHtml(format(p.value[1]))}` },
      grid: { left: 8, right: 16, top: 32, bottom: 24, containLabel: true },
      xAxis: { type: 'value', name: tile.x, nameLocation: 'middle', nameGap: 26, scale: true, axisLabel },
      yAxis: { type: 'value', name: tile.y[0], scale: true, axisLabel: { ...axisLabel, formatter: format } },
      series: data.series.map((s) => ({ type: 'scatter', name: s.name, data: s.data, symbolSize: 7 })),
    };
  } else {
    const data = seriesData(tile, rows);
    current.tileModels.set(tile.id, data);
    const horizontal = tile.type === 'bar' && tile.horizontal;
    // Many categories under a bar chart: every label, slanted, rather than every other one hidden.
    const slanted = !horizontal && tile.type === 'bar' && data.categories.length > 8;
    const categoryAxis = { type: 'category', data: data.categories.map(String), axisLabel: { ...axisLabel, interval: horizontal || slanted ? 0 : 'auto', rotate: slanted ? 30 : 0 }, inverse: horizontal };
    const valueAxis = { type: 'value', axisLabel: { ...axisLabel, formatter: format } };
    option = {
      color: PALETTE,
      legend: data.series.length > 1 ? { top: 0, type: 'scroll' } : undefined,
      tooltip: { trigger: 'axis', valueFormatter: format },
      grid: { left: 8, right: 16, top: data.series.length > 1 ? 32 : 12, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map((s) => ({
        type: tile.type === 'bar' ? 'bar' : 'line',
        name: s.name,
        data: s.data,
        stack: tile.stack ? 'total' : undefined,
        areaStyle: tile.type === 'area' ? { opacity: 0.35 } : undefined,
        smooth: false,
        showSymbol: data.categories.length <= 24,
        connectNulls: true,
      })),
    };
  }
  chart.setOption(option, { notMerge: true });
  body.classList.toggle('drillable', Boolean(tile.drill));
}

/** A click on a bar, point or cell of a tile with `drill: true` sets the filters of its x (and y, series) columns. */
function drill(tile, params) {
  if (!tile.drill) return;
  const model = current.tileModels.get(tile.id);
  const values = {};
  if (tile.type === 'heatmap') {
    values[tile.x] = model.xs[params.value[0]];
    values[tile.y[0]] = model.ys[params.value[1]];
  } else if (tile.type !== 'scatter') {
    values[tile.x] = model.categories[params.dataIndex];
    if (tile.series) values[tile.series] = params.seriesName;
  }
  let changed = false;
  for (const filter of current.dashboard.filters) {
    if (!(filter.column in values)) continue;
    const value = values[filter.column];
    // Clicking what is already chosen lifts the filter.
    current.selected[filter.name] = String(current.selected[filter.name]) === String(value) ? null : value;
    changed = true;
  }
  if (changed) redraw();
}

function dispose() {
  if (!current) return;
  for (const chart of current.charts.values()) chart.dispose();
  current = null;
}

function resize() {
  if (current) for (const chart of current.charts.values()) chart.resize();
}

/** What a tile draws, as data (read by the browser suite): the chart's own series for charts. */
function tileData(id) {
  if (!current) return null;
  const tile = current.dashboard.tiles.find((t) => t.id === id);
  const model = current.tileModels.get(id);
  if (!tile || !model) return null;
  const chart = current.charts.get(id);
  if (!chart) return model;
  const option = chart.getOption();
  if (tile.type === 'heatmap') return { xs: option.xAxis[0].data, ys: option.yAxis[0].data, cells: option.series[0].data };
  if (tile.type === 'scatter') return { series: option.series.map((s) => ({ name: s.name, data: s.data })) };
  const categories = (tile.horizontal ? option.yAxis : option.xAxis)[0].data;
  return { categories, series: option.series.map((s) => ({ name: s.name, data: s.data })) };
}

/** Where on the page a heatmap cell `[xIndex, yIndex]` or a bar `categoryIndex` of tile `id` is drawn (for the browser suite's clicks). */
function pixelOf(id, value) {
  const chart = current?.charts.get(id);
  if (!chart) return null;
  const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, value);
  const box = chart.getDom().getBoundingClientRect();
  return { x: box.left + x, y: box.top + y };
}

window.addEventListener('resize', resize);
window.strataDashboards = { show, dispose, resize, setFilter, tileData, pixelOf, selected: () => (current ? { ...current.selected } : {}) };
window.dispatchEvent(new Event('strata-dashboards'));
