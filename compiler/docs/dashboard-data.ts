/**
 * `docs generate` for the dashboards of `dashboards/`: each named query compiled as `strata show
 * --inline` compiles it (refs, sources, vars, macros), run on the target, and its rows embedded in the
 * site with the tiles that draw them. A tile naming a column its query does not return, or a query
 * that fails, is a problem at the file's line (the site still shows the other dashboards).
 */
import type { Adapter, QueryField } from '../adapters/adapter.js';
import type { DashboardDefinition, DashboardFilter, DashboardTile } from '../dashboards/dashboard-file.js';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { AnyNode, ManifestNode } from '../manifest/types.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { ParsedProject } from '../render/parse-project.js';
import { compileInline } from '../render/inline-query.js';
import { relationKey, type CatalogRelations } from './catalog-query.js';
import { nodeRelation } from './dbt-catalog.js';

/** Rows above this many are left out of the page (the count is shown with the tile). */
export const MAX_ROWS = 50_000;

const NUMERIC_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700]);

export interface SiteQueryResult {
  name: string;
  /** Compiled SQL, as run. */
  sql: string;
  columns: { name: string; numeric: boolean }[];
  /** Rows as arrays in `columns` order (smaller than objects in the page's data). */
  rows: unknown[][];
  /** Rows the query returned, when more than were kept. */
  totalRows?: number;
  error?: string;
}

export interface SiteDashboard {
  name: string;
  title: string;
  description?: string;
  owner: { name?: string; email?: string | string[] };
  maturity?: string;
  path: string;
  /** `exposure.<project>.<name>`. */
  exposureId: string;
  filters: Omit<DashboardFilter, 'position'>[];
  tiles: Omit<DashboardTile, 'file' | 'line' | 'column'>[];
  queries: SiteQueryResult[];
  /** False with `--empty-catalog` (no database), or when what it reads is not built: the page says so instead of drawing. */
  ran: boolean;
  /** The relations it reads that do not exist on the target yet (`schema.name`); its queries were not run. */
  notBuilt?: string[];
}

/**
 * Runs every dashboard's queries (one at a time) and checks the tiles against the columns returned.
 * `adapter` absent: the dashboards are embedded without data. A dashboard that reads relations the
 * catalog (`relations`) does not hold is not run: a warning says what to build, as before a run.
 *
 * @example const { dashboards, problems } = await dashboardData(parsed, adapter)
 *   // dashboards[0].queries[0].columns → [{ name: 'customer_tier', numeric: false }, ...]
 */
export async function dashboardData(
  parsed: ParsedProject,
  adapter: Adapter | undefined,
  relations?: CatalogRelations,
): Promise<{ dashboards: SiteDashboard[]; problems: Diagnostic[]; warnings: Diagnostic[] }> {
  const problems: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const dashboards: SiteDashboard[] = [];
  for (const dashboard of parsed.dashboards) {
    const queries: SiteQueryResult[] = [];
    const exposureId = `exposure.${parsed.project.name}.${dashboard.name}`;
    const notBuilt = adapter && relations ? missingRelations(parsed, exposureId, relations) : [];
    if (notBuilt.length > 0) {
      warnings.push({
        code: 'STR194',
        severity: 'warn',
        message: `dashboard '${dashboard.name}' reads relations that do not exist yet: ${notBuilt.join(', ')}; its queries were not run`,
        file: dashboard.file,
        line: dashboard.line,
        column: dashboard.column,
        hint: `build them, then generate again: strata build --select +exposure:${dashboard.name}`,
      });
    }
    const run = notBuilt.length === 0 ? adapter : undefined;
    for (const query of dashboard.queries) {
      let sql = '';
      try {
        // The text laid where it sits in the file: an error's line and column are the file's.
        sql = compileInline(parsed, query.placed).trim();
      } catch (error) {
        if (!(error instanceof StrataError)) throw error;
        const at = { file: query.file, line: query.line, column: query.column };
        problems.push(...error.diagnostics.map((d) => (d.file === '(inline)' ? { ...d, file: query.file } : d.file ? d : { ...d, ...at })));
        queries.push({ name: query.name, sql, columns: [], rows: [], error: error.diagnostics[0]?.message ?? 'does not compile' });
        continue;
      }
      if (!run) {
        queries.push({ name: query.name, sql, columns: [], rows: [] });
        continue;
      }
      try {
        const result = await run.query<Record<string, unknown>>(sql);
        queries.push(embedRows(query.name, sql, result.fields, result.rows));
      } catch (error) {
        const message = (error as Error).message.split('\n')[0] ?? 'failed';
        problems.push({ code: 'STR193', message: `dashboard query '${query.name}' failed: ${message}`, file: query.file, line: query.line, column: query.column, hint: `run it alone with strata show --inline to see the compiled SQL` });
        queries.push({ name: query.name, sql, columns: [], rows: [], error: message });
      }
    }
    if (run) problems.push(...checkColumns(dashboard, queries));
    dashboards.push({
      name: dashboard.name,
      title: dashboard.title,
      description: dashboard.description,
      owner: dashboard.owner,
      maturity: dashboard.maturity,
      path: dashboard.file,
      exposureId,
      filters: dashboard.filters.map(({ position: _position, ...filter }) => filter),
      tiles: dashboard.tiles.map(({ file: _file, line: _line, column: _column, ...tile }) => tile),
      queries,
      ran: run !== undefined,
      ...(notBuilt.length > 0 ? { notBuilt } : {}),
    });
  }
  return { dashboards, problems, warnings };
}

/** The relations an exposure reads (through ephemeral models too) that the target does not have. */
function missingRelations(parsed: ParsedProject, exposureId: string, relations: CatalogRelations): string[] {
  const { manifest } = parsed;
  const missing = new Set<string>();
  const seen = new Set<string>();
  const stack = [...(manifest.exposures?.[exposureId]?.dependsOn.nodes ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node: AnyNode | undefined = (manifest.nodes[id] as ManifestNode | undefined) ?? manifest.sources[id];
    if (!node) continue;
    if (node.resourceType !== 'source' && node.config.materialized === 'ephemeral') {
      stack.push(...node.dependsOn.nodes);
      continue;
    }
    const where = nodeRelation(node);
    if (where && !relations.has(relationKey(where.schema, where.name))) missing.add(`${where.schema}.${where.name}`);
  }
  return [...missing].sort();
}

function embedRows(name: string, sql: string, fields: QueryField[], rows: Record<string, unknown>[]): SiteQueryResult {
  const columns = fields.map((field) => ({ name: field.name, numeric: NUMERIC_OIDS.has(field.dataTypeID) }));
  const kept = rows.length > MAX_ROWS ? rows.slice(0, MAX_ROWS) : rows;
  const embedded = kept.map((row) =>
    columns.map(({ name: column, numeric }) => {
      const value = row[column];
      if (value === null || value === undefined) return null;
      if (numeric) return typeof value === 'number' ? value : Number(value);
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'bigint') return Number(value);
      return value;
    }),
  );
  const result: SiteQueryResult = { name, sql, columns, rows: embedded };
  if (kept.length < rows.length) result.totalRows = rows.length;
  return result;
}

/** Each column a tile or filter names must be one its query returns. */
function checkColumns(dashboard: DashboardDefinition, queries: SiteQueryResult[]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const byName = new Map(queries.map((q) => [q.name, q]));
  for (const tile of dashboard.tiles) {
    const query = byName.get(tile.query);
    if (!query || query.error) continue;
    const names = new Set(query.columns.map((c) => c.name));
    const named = [tile.value, tile.per, tile.compare, tile.compare_per, tile.x, ...(tile.y ?? []), tile.series, tile.label, ...(tile.columns ?? []), tile.sort?.replace(/^-/, '')];
    for (const column of named) {
      if (column === undefined || names.has(column)) continue;
      problems.push({
        code: 'STR192',
        message: `tile ${tile.id.slice(1)}${tile.title ? ` ('${tile.title}')` : ''} names column '${column}', which query '${tile.query}' does not return`,
        file: tile.file,
        line: tile.line,
        column: tile.column,
        hint: `its columns: ${[...names].join(', ')}`,
      });
    }
  }
  const everyColumn = new Set(queries.flatMap((q) => q.columns.map((c) => c.name)));
  for (const filter of dashboard.filters) {
    if (everyColumn.has(filter.column) || queries.some((q) => q.error)) continue;
    problems.push({ code: 'STR192', message: `filter '${filter.name}' filters column '${filter.column}', which no query of the dashboard returns`, ...filter.position, hint: 'name a column of one of the queries' });
  }
  return problems;
}
