/**
 * What a dashboard tile shows, from rows and filters (compiler/docs/site/dashboards/tile-data.js, the
 * page's own module): aggregates, ratios and comparisons, grouping, sorting, limits and orders.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error the page's modules are plain JavaScript without declarations
import { aggregate, filterRows, formatValue, heatmapData, kpiData, scatterData, seriesData, tableData } from '../../compiler/docs/site/dashboards/tile-data.js';

const rows = [
  { tier: 'Gold', country: 'Chile', store: 1, revenue: 10, previous: 8, customers: 2, customers_before: 2 },
  { tier: 'Gold', country: 'Peru', store: 2, revenue: 30, previous: 40, customers: 3, customers_before: 4 },
  { tier: 'Silver', country: 'Chile', store: 1, revenue: 5, previous: null, customers: 1, customers_before: 0 },
  { tier: 'Platinum', country: 'Peru', store: 2, revenue: 55, previous: 50, customers: 2, customers_before: 2 },
];

describe('dashboard tiles', () => {
  it.each([
    ['sum', 'revenue', 100],
    ['avg', 'revenue', 25],
    ['min', 'revenue', 5],
    ['max', 'revenue', 55],
    ['count', 'previous', 3],
    ['sum', 'missing', null],
  ])('%s of %s', (agg, column, expected) => {
    expect(aggregate(rows, column, agg)).toBe(expected);
  });

  it('filters the rows of queries that have the filtered column, by text', () => {
    const filters = [{ name: 'store', column: 'store' }, { name: 'segment', column: 'segment' }];
    expect(filterRows(rows, ['tier', 'store'], filters, { store: '2' }).map((r: { country: string }) => r.country)).toEqual(['Peru', 'Peru']);
    expect(filterRows(rows, ['tier', 'store'], filters, { segment: 'x' })).toHaveLength(4);
    expect(filterRows(rows, ['tier', 'store'], filters, { store: null })).toHaveLength(4);
  });

  it('a KPI with a ratio and a comparison', () => {
    expect(kpiData({ value: 'revenue', per: 'customers', compare: 'previous', compare_per: 'customers_before' }, rows)).toEqual({ value: 100 / 8, compare: 98 / 8, change: (100 / 8 - 98 / 8) / (98 / 8) });
    expect(kpiData({ value: 'revenue' }, [])).toEqual({ value: null, compare: null, change: null });
    expect(kpiData({ value: 'revenue', compare: 'previous' }, [rows[2]])).toMatchObject({ value: 5, compare: null, change: null });
  });

  it('bars: grouped by x, in order, sorted and limited', () => {
    expect(seriesData({ x: 'tier', y: ['revenue', 'previous'] }, rows)).toEqual({
      categories: ['Gold', 'Platinum', 'Silver'],
      series: [{ name: 'revenue', data: [40, 55, 5] }, { name: 'previous', data: [48, 50, null] }],
    });
    expect(seriesData({ x: 'tier', y: ['revenue'], order: ['Platinum', 'Gold', 'Silver'] }, rows).categories).toEqual(['Platinum', 'Gold', 'Silver']);
    expect(seriesData({ x: 'tier', y: ['revenue'], sort: '-revenue', limit: 2 }, rows)).toEqual({ categories: ['Platinum', 'Gold'], series: [{ name: 'revenue', data: [55, 40] }] });
    expect(seriesData({ x: 'country', y: ['revenue'], series: 'tier', order: ['Platinum'] }, rows)).toEqual({
      categories: ['Chile', 'Peru'],
      series: [{ name: 'Platinum', data: [null, 55] }, { name: 'Gold', data: [10, 30] }, { name: 'Silver', data: [5, null] }],
    });
  });

  it('heatmap cells, scatter points and table rows', () => {
    expect(heatmapData({ x: 'tier', y: ['country'], value: 'customers', agg: 'count' }, rows)).toEqual({
      xs: ['Gold', 'Platinum', 'Silver'],
      ys: ['Chile', 'Peru'],
      cells: [[0, 0, 1], [0, 1, 1], [1, 1, 1], [2, 0, 1]],
    });
    expect(scatterData({ x: 'customers', y: ['revenue'], label: 'country' }, rows).series[0].data).toEqual([[2, 10, 'Chile'], [3, 30, 'Peru'], [1, 5, 'Chile'], [2, 55, 'Peru']]);
    expect(tableData({ columns: ['tier', 'revenue'], sort: '-revenue', limit: 2 }, rows, [])).toEqual({ columns: ['tier', 'revenue'], rows: [['Platinum', 55], ['Gold', 30]], total: 4 });
  });

  it.each([
    [1234.5, 'number', '1,234.5'],
    [1234.5, 'integer', '1,235'],
    [1234.5, 'currency', '$1,234.50'],
    [0.7151, 'percent', '71.5%'],
    [null, 'number', '–'],
  ])('formats %s as %s', (value, format, text) => {
    expect(formatValue(value, format)).toBe(text);
  });
});
