// What each tile shows, from a query's rows and the page's filters: pure functions (no DOM, no
// ECharts), so the numbers a tile draws are computed in one place and can be checked.
//
// A query result is `{ columns: [{ name, numeric }], rows: [[...], ...] }`.

/** Rows as objects keyed by column name. */
export function rowObjects(query) {
  const names = query.columns.map((c) => c.name);
  return query.rows.map((row) => {
    const object = {};
    names.forEach((name, i) => (object[name] = row[i]));
    return object;
  });
}

/**
 * The rows a tile sees: those matching every filter that has a value and whose column the query has.
 * `selected`: filter name → value (absent or null: all).
 */
export function filterRows(rows, columns, filters, selected) {
  const active = filters.filter((f) => selected[f.name] !== undefined && selected[f.name] !== null && columns.includes(f.column));
  if (active.length === 0) return rows;
  return rows.filter((row) => active.every((f) => String(row[f.column]) === String(selected[f.name])));
}

/** sum | avg | min | max | count of a column's non-null values; null when there are none (count: 0). */
export function aggregate(rows, column, agg = 'sum') {
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const row of rows) {
    const value = row[column];
    if (value === null || value === undefined || value === '') continue;
    count++;
    const number = Number(value);
    sum += number;
    if (number < min) min = number;
    if (number > max) max = number;
  }
  if (agg === 'count') return count;
  if (count === 0) return null;
  if (agg === 'avg') return sum / count;
  if (agg === 'min') return min;
  if (agg === 'max') return max;
  return sum;
}

/** `agg(value)`, divided by `sum(per)` when `per` is given (null when that is 0). */
function measure(rows, value, per, agg) {
  const top = aggregate(rows, value, agg);
  if (!per) return top;
  const bottom = aggregate(rows, per, 'sum');
  return top === null || !bottom ? null : top / bottom;
}

/** A KPI: `{ value, compare, change }` (change: (value - compare) / |compare|, null without one). */
export function kpiData(tile, rows) {
  const value = measure(rows, tile.value, tile.per, tile.agg);
  if (!tile.compare) return { value, compare: null, change: null };
  const compare = measure(rows, tile.compare, tile.compare_per ?? tile.per, tile.agg);
  const change = value === null || compare === null || compare === 0 ? null : (value - compare) / Math.abs(compare);
  return { value, compare, change };
}

/** `order` first (values as listed), then the rest ascending. */
function comparator(order) {
  if (!order) return compareValues;
  const rank = new Map(order.map((v, i) => [String(v), i]));
  return (a, b) => {
    const ra = rank.get(String(a));
    const rb = rank.get(String(b));
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    return compareValues(a, b);
  };
}

function compareValues(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/**
 * Bar, line and area tiles: rows grouped by `x` (and by `series`), each `y` aggregated.
 * → `{ categories, series: [{ name, data }] }`, data aligned with categories (null where no row).
 * Categories (and series) in `order` then ascending, or by the first series' totals with `sort: -<y>` / `sort: <y>`;
 * `limit` keeps the first categories after sorting.
 */
export function seriesData(tile, rows) {
  const agg = tile.agg ?? 'sum';
  const groups = new Map();
  for (const row of rows) {
    const key = row[tile.x];
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  const ordered = comparator(tile.order);
  let categories = [...groups.keys()].sort(ordered);
  let series;
  if (tile.series) {
    const names = [...new Set(rows.map((r) => r[tile.series]))].sort(ordered);
    const y = tile.y[0];
    series = names.map((name) => ({
      name: String(name),
      data: categories.map((c) => aggregate(groups.get(c).filter((r) => r[tile.series] === name), y, agg)),
    }));
  } else {
    series = tile.y.map((y) => ({ name: y, data: categories.map((c) => aggregate(groups.get(c), y, agg)) }));
  }
  if (tile.sort) {
    const descending = tile.sort.startsWith('-');
    const by = tile.sort.replace(/^-/, '');
    if (by !== tile.x) {
      const totals = new Map(categories.map((c) => [c, aggregate(groups.get(c), by, agg) ?? 0]));
      const order = [...categories].sort((a, b) => (descending ? totals.get(b) - totals.get(a) : totals.get(a) - totals.get(b)) || compareValues(a, b));
      const position = new Map(categories.map((c, i) => [c, i]));
      series = series.map((s) => ({ ...s, data: order.map((c) => s.data[position.get(c)]) }));
      categories = order;
    } else if (descending) {
      categories = [...categories].reverse();
      series = series.map((s) => ({ ...s, data: [...s.data].reverse() }));
    }
  }
  if (tile.limit && categories.length > tile.limit) {
    categories = categories.slice(0, tile.limit);
    series = series.map((s) => ({ ...s, data: s.data.slice(0, tile.limit) }));
  }
  return { categories, series };
}

/** Heatmap: `{ xs, ys, cells: [[xIndex, yIndex, value]] }`, one cell per (x, y) pair with rows. */
export function heatmapData(tile, rows) {
  const xs = [...new Set(rows.map((r) => r[tile.x]))].sort(comparator(tile.order));
  const ys = [...new Set(rows.map((r) => r[tile.y[0]]))].sort(comparator(tile.order));
  const groups = new Map();
  for (const row of rows) {
    const key = `${xs.indexOf(row[tile.x])}\u0000${ys.indexOf(row[tile.y[0]])}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(row);
  }
  const cells = [...groups].map(([key, group]) => {
    const [xi, yi] = key.split('\u0000').map(Number);
    return [xi, yi, aggregate(group, tile.value, tile.agg ?? 'sum')];
  });
  cells.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return { xs, ys, cells };
}

/** Scatter: one point per row, `[x, y, label]`, grouped into series by `series`. */
export function scatterData(tile, rows) {
  const names = tile.series ? [...new Set(rows.map((r) => r[tile.series]))].sort(comparator(tile.order)) : [tile.y[0]];
  return {
    series: names.map((name) => ({
      name: String(name),
      data: rows
        .filter((r) => !tile.series || r[tile.series] === name)
        .filter((r) => r[tile.x] !== null && r[tile.y[0]] !== null)
        .map((r) => [Number(r[tile.x]), Number(r[tile.y[0]]), tile.label ? r[tile.label] : null]),
    })),
  };
}

/** Table: `{ columns, rows, total }`, sorted by `sort` (`-col`: descending), the first `limit` (100) rows. */
export function tableData(tile, rows, allColumns) {
  const columns = tile.columns ?? allColumns;
  let sorted = rows;
  if (tile.sort) {
    const by = tile.sort.replace(/^-/, '');
    const sign = tile.sort.startsWith('-') ? -1 : 1;
    sorted = [...rows].sort((a, b) => sign * compareValues(a[by], b[by]));
  }
  const limit = tile.limit ?? 100;
  return { columns, rows: sorted.slice(0, limit).map((r) => columns.map((c) => r[c])), total: rows.length };
}

/** A number as a tile shows it: `number` (up to 2 decimals), `integer`, `currency` ($, 2 decimals), `percent` (of 1). */
export function formatValue(value, format = 'number') {
  if (value === null || value === undefined || value === '') return '–';
  if (typeof value !== 'number') return String(value);
  switch (format) {
    case 'integer':
      return Math.round(value).toLocaleString('en-US');
    case 'currency':
      return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    case 'percent':
      return `${(value * 100).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })}%`;
    default:
      return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
}
