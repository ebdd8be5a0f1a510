/**
 * What each dashboard tile should show, asked of the database: the tile's query wrapped in the SQL
 * aggregate the tile stands for (a KPI's sum, a bar chart's group by, a heatmap's cells), run with
 * `strata show --inline`. The page computes its numbers in JavaScript from the embedded rows; these
 * are computed by Postgres from the query itself, so the two can disagree.
 */
import type { DashboardTile } from '../../compiler/dashboards/dashboard-file.js';
import { strata } from '../support/strata-cli.js';

type Row = Record<string, unknown>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function aggregateSql(agg: string | undefined, column: string): string {
  const c = `q.${quote(column)}`;
  switch (agg ?? 'sum') {
    case 'count':
      return `count(${c})`;
    case 'avg':
      return `avg(${c})`;
    case 'min':
      return `min(${c})`;
    case 'max':
      return `max(${c})`;
    default:
      return `sum(${c})`;
  }
}

function ratioSql(agg: string | undefined, value: string, per: string | undefined): string {
  return per ? `${aggregateSql(agg, value)}::float8 / nullif(sum(q.${quote(per)}), 0)` : `${aggregateSql(agg, value)}::float8`;
}

/** `where` for the filter values chosen in the page (column → value), or ''. */
export function whereOf(filters: Record<string, string | number>): string {
  const terms = Object.entries(filters).map(([column, value]) => `q.${quote(column)}::text = '${String(value).replace(/'/g, "''")}'`);
  return terms.length === 0 ? '' : ` where ${terms.join(' and ')}`;
}

/** The SQL giving what `tile` shows, over the rows of `querySql` (a dashboard query as written, with refs). */
export function tileSql(tile: DashboardTile, querySql: string, where = ''): string {
  const from = `from (\n${querySql}\n) as q${where}`;
  switch (tile.type) {
    case 'kpi': {
      const compare = tile.compare ? `, ${ratioSql(tile.agg, tile.compare, tile.compare_per ?? tile.per)} as compare` : '';
      return `select ${ratioSql(tile.agg, tile.value!, tile.per)} as value${compare} ${from}`;
    }
    case 'heatmap':
      return `select q.${quote(tile.x!)}::text as x, q.${quote(tile.y![0]!)}::text as y, ${aggregateSql(tile.agg, tile.value!)}::float8 as value ${from} group by 1, 2`;
    case 'scatter':
      return `select q.${quote(tile.x!)}::float8 as x, q.${quote(tile.y![0]!)}::float8 as y ${from}${where ? ' and' : ' where'} q.${quote(tile.x!)} is not null and q.${quote(tile.y![0]!)} is not null`;
    case 'table': {
      const columns = (tile.columns ?? []).map((c) => `q.${quote(c)}`).join(', ') || 'q.*';
      const order = tile.sort ? ` order by q.${quote(tile.sort.replace(/^-/, ''))}${tile.sort.startsWith('-') ? ' desc' : ''} nulls last` : '';
      return `select ${columns} ${from}${order}`;
    }
    default: {
      if (tile.series) return `select q.${quote(tile.x!)}::text as x, q.${quote(tile.series)}::text as series, ${aggregateSql(tile.agg, tile.y![0]!)}::float8 as value ${from} group by 1, 2`;
      const ys = tile.y!.map((y, i) => `${aggregateSql(tile.agg, y)}::float8 as y${i}`).join(', ');
      return `select q.${quote(tile.x!)}::text as x, ${ys} ${from} group by 1`;
    }
  }
}

/** Rows of `strata show --inline sql` (every row), as JSON. */
export async function showRows(projectDir: string, sql: string): Promise<Row[]> {
  const result = await strata(['show', '--inline', sql, '--limit', '-1', '--log-format', 'json', '--project-dir', projectDir]);
  if (result.exitCode !== 0) throw new Error(`strata show failed:\n${result.output}`);
  const line = result.stdout.split('\n').find((l) => l.startsWith('{"rows"'));
  return (JSON.parse(line!) as { rows: Row[] }).rows;
}

/** Numbers equal to a millionth (sums of numerics in float8 against sums in JavaScript). */
export function near(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
}
