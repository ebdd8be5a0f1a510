/**
 * Dashboards as code: one YAML file per dashboard under `dashboards/`, named queries rendered like
 * `strata show --inline` (so `ref()`, `source()`, `var()` and macros work) and tiles that draw them.
 *
 *   title: Customer health
 *   owner: {name: Customer analytics}
 *   filters:
 *     - {name: tier, column: customer_tier, label: Tier}
 *   queries:
 *     customers: |
 *       select customer_tier, count(*) as customers from {{ ref('gold_customer_metrics') }} group by 1
 *   tiles:
 *     - {type: kpi, title: Customers, query: customers, value: customers}
 *     - {type: bar, title: Tier mix, query: customers, x: customer_tier, y: customers}
 *
 * This module reads and checks the files (every problem at its file:line:col); the parse pass turns each
 * into an exposure of type dashboard (render/exposure-nodes.ts); `docs generate` runs the queries
 * (docs/dashboard-data.ts) and the page draws the tiles.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { diagnosticsCollector, StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { parseYamlFile, validateYaml, type YamlFile } from '../project/yaml-file.js';

/** The folder of dashboard files, relative to the project root. */
export const DASHBOARD_DIR = 'dashboards';

export const TILE_TYPES = ['kpi', 'bar', 'line', 'area', 'heatmap', 'scatter', 'table'] as const;
export type TileType = (typeof TILE_TYPES)[number];
export type Aggregate = 'sum' | 'avg' | 'min' | 'max' | 'count';
export type ValueFormat = 'number' | 'integer' | 'currency' | 'percent';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const name = z.string().regex(NAME, 'a name is letters, digits and underscores, not starting with a digit');
const scalar = z.union([z.string(), z.number(), z.boolean()]);

const tileEntry = z
  .object({
    type: z.enum(TILE_TYPES),
    title: z.string().optional(),
    description: z.string().optional(),
    query: z.string(),
    width: z.number().int().min(1).max(4).optional(),
    // kpi
    value: z.string().optional(),
    per: z.string().optional(),
    compare: z.string().optional(),
    compare_per: z.string().optional(),
    compare_label: z.string().optional(),
    /** A rise shown red and a fall green (churned customers, late returns). */
    lower_is_better: z.boolean().optional(),
    agg: z.enum(['sum', 'avg', 'min', 'max', 'count']).optional(),
    format: z.enum(['number', 'integer', 'currency', 'percent']).optional(),
    // charts
    x: z.string().optional(),
    y: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    series: z.string().optional(),
    stack: z.boolean().optional(),
    horizontal: z.boolean().optional(),
    label: z.string().optional(),
    drill: z.boolean().optional(),
    /** Category (and series) values to show first, in this order: `[Platinum, Gold, Silver, Bronze]`. */
    order: z.array(scalar).min(1).optional(),
    // table
    columns: z.array(z.string()).min(1).optional(),
    limit: z.number().int().min(1).optional(),
    sort: z.string().optional(),
  })
  .strict();

const filterEntry = z.object({ name, column: z.string(), label: z.string().optional(), default: scalar.optional() }).strict();

const dashboardFile = z
  .object({
    name: name.optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    owner: z.object({ name: z.string().optional(), email: z.union([z.string(), z.array(z.string())]).optional() }).strict().optional(),
    maturity: z.enum(['low', 'medium', 'high']).optional(),
    url: z.string().optional(),
    tags: z.array(z.string()).optional(),
    filters: z.array(filterEntry).default([]),
    queries: z.record(name, z.string()),
    tiles: z.array(tileEntry).min(1),
  })
  .strict();

type TileEntry = z.infer<typeof tileEntry>;

export interface Place {
  file: string;
  line: number;
  column: number;
}

export interface DashboardQuery extends Place {
  name: string;
  /** The query as written. */
  sql: string;
  /**
   * The same text laid where it sits in the file (blank lines before it, each line indented as in
   * the block): rendered in the parse pass, its positions are the file's lines and columns.
   */
  placed: string;
}

export interface DashboardFilter {
  name: string;
  /** The column of the queries' rows it filters. */
  column: string;
  position: Place;
  label: string;
  default?: string | number | boolean;
}

export interface DashboardTile extends Omit<TileEntry, 'y'>, Place {
  /** `t1`, `t2`, ... in file order: the tile's id in the page. */
  id: string;
  y?: string[];
}

export interface DashboardDefinition extends Place {
  name: string;
  title: string;
  description?: string;
  owner: { name?: string; email?: string | string[] };
  maturity?: 'low' | 'medium' | 'high';
  url?: string;
  tags: string[];
  filters: DashboardFilter[];
  queries: DashboardQuery[];
  tiles: DashboardTile[];
}

/** The keys each tile type needs. */
const REQUIRED: Record<TileType, (keyof TileEntry)[]> = {
  kpi: ['value'],
  bar: ['x', 'y'],
  line: ['x', 'y'],
  area: ['x', 'y'],
  heatmap: ['x', 'y', 'value'],
  scatter: ['x', 'y'],
  table: [],
};

/**
 * Reads every `dashboards/*.yml` (and `.yaml`) of the project, sorted by name. A broken file adds its
 * problems to `problems` and is left out; a project without the folder has no dashboards.
 *
 * @example readDashboards('/work/pagila', problems).map((d) => d.name)  // ['customer_health', 'segments']
 */
export function readDashboards(root: string, problems: Diagnostic[]): DashboardDefinition[] {
  const dir = join(root, DASHBOARD_DIR);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const collect = diagnosticsCollector(problems);
  const dashboards: DashboardDefinition[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const path = `${DASHBOARD_DIR}/${file}`;
    const dashboard = collect(() => readDashboard(path, readFileSync(join(dir, file), 'utf8')));
    if (!dashboard) continue;
    const other = names.get(dashboard.name);
    if (other) {
      problems.push({ code: 'STR191', message: `two dashboards are named '${dashboard.name}'`, file: path, line: dashboard.line, column: dashboard.column, hint: `the other is ${other}; rename one (name: or the file name)` });
      continue;
    }
    names.set(dashboard.name, path);
    dashboards.push(dashboard);
  }
  return dashboards;
}

/** One dashboard file; throws a StrataError with every problem found in it. */
export function readDashboard(path: string, text: string): DashboardDefinition {
  const yaml = parseYamlFile(path, text);
  const data = validateYaml(yaml, dashboardFile, 'STR191');
  const problems: Diagnostic[] = [];
  const at = (keyPath: PropertyKey[]): Place => ({ file: path, ...yaml.locate(keyPath) });
  const stem = path.slice(path.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '');
  const dashboardName = data.name ?? stem;
  if (!NAME.test(dashboardName)) {
    problems.push({ code: 'STR191', message: `the dashboard's name '${dashboardName}' (from the file name) is not a valid name`, ...at([]), hint: 'rename the file, or set name: with letters, digits and underscores' });
  }

  const queries = Object.entries(data.queries).map(([queryName, sql]): DashboardQuery => ({ name: queryName, sql, placed: placeQuery(yaml, text, ['queries', queryName], sql), ...at(['queries', queryName]) }));
  const queryNames = new Set(queries.map((q) => q.name));
  if (queries.length === 0) problems.push({ code: 'STR191', message: 'the dashboard has no queries', ...at(['queries']), hint: 'add a named query under queries:' });

  const filterNames = new Set<string>();
  const filters = data.filters.map((filter, index): DashboardFilter => {
    if (filterNames.has(filter.name)) problems.push({ code: 'STR191', message: `two filters are named '${filter.name}'`, ...at(['filters', index, 'name']), hint: 'give each filter its own name' });
    filterNames.add(filter.name);
    return { name: filter.name, column: filter.column, label: filter.label ?? filter.name, ...(filter.default !== undefined ? { default: filter.default } : {}), position: at(['filters', index]) };
  });

  const tiles = data.tiles.map((entry, index): DashboardTile => {
    if (!queryNames.has(entry.query)) {
      problems.push({ code: 'STR191', message: `tile ${index + 1} reads query '${entry.query}', which the dashboard does not define`, ...at(['tiles', index, 'query']), hint: `queries here: ${[...queryNames].join(', ') || 'none'}` });
    }
    for (const key of REQUIRED[entry.type]) {
      if (entry[key] === undefined) problems.push({ code: 'STR191', message: `a ${entry.type} tile needs '${key}'`, ...at(['tiles', index]), hint: tileHint(entry.type) });
    }
    const { y, ...rest } = entry;
    const tile: DashboardTile = { ...rest, id: `t${index + 1}`, ...at(['tiles', index]) };
    if (y !== undefined) tile.y = typeof y === 'string' ? [y] : y;
    return tile;
  });
  if (problems.length > 0) throw new StrataError(problems);
  return {
    name: dashboardName,
    title: data.title ?? dashboardName.replace(/_/g, ' '),
    description: data.description,
    owner: data.owner ?? {},
    maturity: data.maturity,
    url: data.url,
    tags: data.tags ?? [],
    filters,
    queries,
    tiles,
    ...at([]),
  };
}

function tileHint(type: TileType): string {
  switch (type) {
    case 'kpi':
      return 'e.g. {type: kpi, query: q, value: revenue, compare: revenue_previous}';
    case 'heatmap':
      return 'e.g. {type: heatmap, query: q, x: tier, y: segment, value: customers}';
    case 'table':
      return 'e.g. {type: table, query: q}';
    default:
      return `e.g. {type: ${type}, query: q, x: month, y: revenue}`;
  }
}

/**
 * The query's text padded to where it sits in the file. A block scalar (`|`, `>`) starts on the line
 * after its indicator, at the block's indentation; a flow scalar where it stands (after its quote).
 */
function placeQuery(yaml: YamlFile, text: string, keyPath: PropertyKey[], sql: string): string {
  const { line, column } = yaml.locate(keyPath);
  const lines = text.split(/\r?\n/);
  const first = lines[line - 1] ?? '';
  const indicator = first.slice(column - 1, column);
  if (indicator === '|' || indicator === '>') {
    const body = lines.slice(line).find((l) => l.trim() !== '') ?? '';
    const indent = ' '.repeat(body.length - body.trimStart().length);
    const skipped = lines.slice(line).findIndex((l) => l.trim() !== '');
    return '\n'.repeat(line + Math.max(0, skipped)) + sql.split('\n').map((l) => (l === '' ? l : indent + l)).join('\n');
  }
  const quoted = indicator === '"' || indicator === "'" ? 1 : 0;
  return '\n'.repeat(line - 1) + ' '.repeat(column - 1 + quoted) + sql;
}
