/**
 * Snapshots through the CLI (tests/fixtures/projects/snapshots): one source table, changed between three
 * `strata snapshot` runs (run 2 updates id 1 and deletes id 2; run 3 re-inserts id 2 and adds id 4), and
 * the whole history table of each snapshot compared with the rows dbt 1.9 leaves. Values that are the
 * run's now() are written `now1`..`now3` (the run they belong to); those from updated_at are exact.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, strata, withAdapter } from '../engine/cli.js';

const D1 = '2024-01-01 00:00:00';
const D2 = '2024-01-02 00:00:00';
const D3 = '2024-01-03 00:00:00';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describeEachEngine('snapshots', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let dir: string;
  /** Database times read after each run: run k's now() lies between markers[k - 1] and markers[k]. */
  const markers: string[] = [];
  const cli = (...args: string[]) => strata([...args, '--project-dir', dir]);
  const sql = (text: string) =>
    withAdapter(target, async (adapter) => {
      await adapter.withConnection((connection) => connection.exec(text));
      const now = await adapter.query<{ now: string }>('select localtimestamp::text as now');
      markers.push(now.rows[0].now);
    });
  const src = () => `${quoteIdent(schema)}.customers`;
  const history = (name: string) => `${quoteIdent(`${schema}_history`)}.${quoteIdent(name)}`;
  async function snapshotRun(...args: string[]) {
    const result = await cli('snapshot', ...args);
    expect(result.exitCode, result.output).toBe(0);
    return result;
  }
  /** A timestamp as the test writes it: exact when it came from the data, `nowK` when it is run K's now(). */
  const label = (value: string | null) => {
    if (value === null || value.startsWith('2024-') || value.startsWith('9999-')) return value;
    const run = markers.findIndex((marker) => value <= marker);
    return run <= 0 ? `?${value}` : `now${run}`;
  };
  async function rows(table: string, columns: string[], order: string) {
    const result = await withAdapter(target, (adapter) =>
      adapter.query<Record<string, string | number | null>>(
        `select ${columns.map((c) => `${quoteIdent(c)}${/valid|updated|^dbt_updated_at$/.test(c) && c !== 'updated_at' ? '::text' : ''} as ${quoteIdent(c)}`).join(', ')} from ${table} order by ${order}`,
      ),
    );
    return result.rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, /valid|updated/.test(k) && k !== 'updated_at' ? label(v as string | null) : v])),
    );
  }
  const history3 = (name: string, extra: string[] = []) =>
    rows(history(name), ['id', 'name', 'dbt_valid_from', 'dbt_valid_to', 'dbt_updated_at', ...extra], 'id, dbt_valid_from');
  const row = (id: number, name: string, from: string, to: string | null, extra: Record<string, unknown> = {}) => ({
    id,
    name,
    dbt_valid_from: from,
    dbt_valid_to: to,
    dbt_updated_at: from,
    ...extra,
  });

  beforeAll(async () => {
    schema = uniqueSchema('snap');
    target = engine.makeIsolatedTarget(schema);
    dir = projectOn('snapshots', target);
    await sql(
      `create schema ${quoteIdent(schema)}; create table ${src()} (id integer, region text, name text, updated_at timestamp);` +
        `insert into ${src()} values (1, 'eu', 'a', '${D1}'), (2, 'eu', 'b', '${D1}'), (3, 'us', 'c', '${D1}')`,
    );
    await snapshotRun();
    await sql(`update ${src()} set name = 'a2', updated_at = '${D2}' where id = 1; delete from ${src()} where id = 2`);
    await snapshotRun();
    await sql(`insert into ${src()} values (2, 'eu', 'b2', '${D3}'), (4, 'us', 'd', '${D3}')`);
    await snapshotRun();
    await sql('select 1');
  }, 240_000);

  describe('timestamp strategy: valid_from/valid_to from updated_at', () => {
    it("hard_deletes 'ignore': the deleted row stays current until it comes back changed", async () => {
      expect(await history3('ts_ignore')).toEqual([
        row(1, 'a', D1, D2),
        row(1, 'a2', D2, null),
        row(2, 'b', D1, D3),
        row(2, 'b2', D3, null),
        row(3, 'c', D1, null),
        row(4, 'd', D3, null),
      ]);
      const scd = await withAdapter(target, (a) => a.query<{ dbt_scd_id: string }>(`select dbt_scd_id from ${history('ts_ignore')} where id = 1 and name = 'a'`));
      expect(scd.rows[0].dbt_scd_id).toBe(md5(`1|${D1}`));
    });

    it("hard_deletes 'invalidate': the deleted row is closed at the run's time; the re-inserted one starts again", async () => {
      expect(await history3('ts_invalidate')).toEqual([
        row(1, 'a', D1, D2),
        row(1, 'a2', D2, null),
        row(2, 'b', D1, 'now2'),
        row(2, 'b2', D3, null),
        row(3, 'c', D1, null),
        row(4, 'd', D3, null),
      ]);
    });

    it("hard_deletes 'new_record': a deletion record (dbt_is_deleted 'True'), closed when the key comes back", async () => {
      const f = { dbt_is_deleted: 'False' };
      expect(await history3('ts_new_record', ['dbt_is_deleted'])).toEqual([
        row(1, 'a', D1, D2, f),
        row(1, 'a2', D2, null, f),
        row(2, 'b', D1, 'now2', f),
        row(2, 'b2', D3, null, f),
        row(2, 'b', 'now2', D3, { dbt_is_deleted: 'True' }),
        row(3, 'c', D1, null, f),
        row(4, 'd', D3, null, f),
      ]);
    });
  });

  describe('check strategy: versions start at the run that saw the change', () => {
    it("check_cols 'all', hard_deletes 'ignore'", async () => {
      expect(await history3('check_ignore')).toEqual([
        row(1, 'a', 'now1', 'now2'),
        row(1, 'a2', 'now2', null),
        row(2, 'b', 'now1', 'now3'),
        row(2, 'b2', 'now3', null),
        row(3, 'c', 'now1', null),
        row(4, 'd', 'now3', null),
      ]);
    });

    it('a list of check_cols, invalidate_hard_deletes (the older spelling of invalidate)', async () => {
      expect(await history3('check_invalidate')).toEqual([
        row(1, 'a', 'now1', 'now2'),
        row(1, 'a2', 'now2', null),
        row(2, 'b', 'now1', 'now2'),
        row(2, 'b2', 'now3', null),
        row(3, 'c', 'now1', null),
        row(4, 'd', 'now3', null),
      ]);
    });

    it("hard_deletes 'new_record'", async () => {
      const f = { dbt_is_deleted: 'False' };
      expect(await history3('check_new_record', ['dbt_is_deleted'])).toEqual([
        row(1, 'a', 'now1', 'now2', f),
        row(1, 'a2', 'now2', null, f),
        row(2, 'b', 'now1', 'now2', f),
        row(2, 'b', 'now2', 'now3', { dbt_is_deleted: 'True' }),
        row(2, 'b2', 'now3', null, f),
        row(3, 'c', 'now1', null, f),
        row(4, 'd', 'now3', null, f),
      ]);
    });
  });

  it('a snapshot declared in YAML: composite unique_key, renamed meta columns, dbt_valid_to_current', async () => {
    const columns = await withAdapter(target, (a) =>
      a.query<{ name: string }>(
        `select attname as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
        [history('renamed')],
      ),
    );
    expect(columns.rows.map((r) => r.name)).toEqual(['id', 'region', 'name', 'updated_at', 'scd_id', 'updated', 'valid_from', 'valid_to', 'is_deleted']);
    const END = '9999-12-31 00:00:00';
    const r = (id: number, name: string, from: string, to: string, deleted = 'False') => ({ id, name, valid_from: from, valid_to: to, updated: from, is_deleted: deleted });
    expect(await rows(history('renamed'), ['id', 'name', 'valid_from', 'valid_to', 'updated', 'is_deleted'], 'id, valid_from')).toEqual([
      r(1, 'a', D1, D2),
      r(1, 'a2', D2, END),
      r(2, 'b', D1, 'now2'),
      r(2, 'b2', D3, END),
      r(2, 'b', 'now2', D3, 'True'),
      r(3, 'c', D1, END),
      r(4, 'd', D3, END),
    ]);
    const scd = await withAdapter(target, (a) => a.query<{ scd_id: string }>(`select scd_id from ${history('renamed')} where id = 1 and name = 'a'`));
    expect(scd.rows[0].scd_id).toBe(md5(`1|eu|${D1}`));
  });

  it('a failing snapshot (its post-hook fails after the changes) leaves the history table as it was', async () => {
    const failing = `${quoteIdent(schema)}.failing`;
    const read = () => rows(failing, ['id', 'name', 'dbt_valid_from', 'dbt_valid_to'], 'id, dbt_valid_from');
    const before = await read();
    expect(before).toHaveLength(6);
    await sql(`update ${src()} set name = 'c4', updated_at = '2024-01-04' where id = 3`);
    const broken = await cli('snapshot', '--select', 'failing', '--vars', '{break_snapshot: true}');
    expect(broken.exitCode, broken.output).toBe(1);
    expect(broken.output).toMatch(/division by zero/);
    expect(await read()).toEqual(before);
    await snapshotRun('--select', 'failing');
    expect(await read()).toEqual([
      ...before.filter((r) => r.id !== 3),
      { id: 3, name: 'c', dbt_valid_from: D1, dbt_valid_to: '2024-01-04 00:00:00' },
      { id: 3, name: 'c4', dbt_valid_from: '2024-01-04 00:00:00', dbt_valid_to: null },
    ].sort((a, b) => Number(a.id) - Number(b.id)));
  });

  it('selectors and ref(): resource_type:snapshot, tag from the snapshots: tree, +model; build runs the snapshot before its child, run skips it', async () => {
    const names = async (...select: string[]) => (await cli('ls', '--output', 'name', '--select', ...select)).stdout.trim().split('\n').sort();
    const all = ['check_ignore', 'check_invalidate', 'check_new_record', 'failing', 'renamed', 'ts_ignore', 'ts_invalidate', 'ts_new_record'];
    expect(await names('resource_type:snapshot')).toEqual(all);
    expect(await names('tag:history')).toEqual(all);
    expect(await names('+current_customers')).toEqual(expect.arrayContaining(['current_customers', 'ts_ignore']));
    expect(await names('+current_customers')).not.toContain('ts_invalidate');

    const build = await cli('build', '--select', '+current_customers');
    expect(build.exitCode, build.output).toBe(0);
    const results = runResults(dir);
    expect([...results.keys()]).toEqual(['ts_ignore', 'current_customers']);
    expect(results.get('ts_ignore')?.message).toBe('INSERT 1, UPDATE 1');
    const current = await withAdapter(target, (a) => a.query(`select id, name from ${quoteIdent(schema)}.current_customers order by id`));
    expect(current.rows).toEqual([
      { id: 1, name: 'a2' },
      { id: 2, name: 'b2' },
      { id: 3, name: 'c4' },
      { id: 4, name: 'd' },
    ]);
    // ts_ignore saw id 3's change in this build: c closed, c4 current.
    expect((await history3('ts_ignore')).filter((r) => r.id === 3).map((r) => r.name)).toEqual(['c', 'c4']);

    const run = await cli('run');
    expect(run.exitCode, run.output).toBe(0);
    expect([...runResults(dir).keys()]).toEqual(['current_customers']);
  });
});
