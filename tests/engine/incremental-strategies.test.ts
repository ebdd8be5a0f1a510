/**
 * Incremental models through the CLI (tests/fixtures/projects/incremental): each strategy and each
 * on_schema_change mode, with the exact rows and columns after a first build and after an incremental
 * one, as dbt's documentation defines them. The inputs are seeds, rewritten between builds. Each test
 * has a copy of the project on a schema of its own, so its first build is a first build whatever ran
 * before it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { quoteIdent } from '../../compiler/sql/quote.js';
import type { TargetConfig } from '../../compiler/project/target.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, runResults, strata, withAdapter, writeFiles } from './cli.js';

describeEachEngine('incremental strategies', (engine) => {
  let schema: string;
  let target: TargetConfig;
  let dir: string;
  const build = (...args: string[]) => strata(['build', '--project-dir', dir, ...args]);
  /** Writes the seed files, then builds; the build must succeed. */
  async function buildWith(seeds: Record<string, string>, ...args: string[]) {
    writeFiles(dir, seeds);
    const result = await build(...args);
    expect(result.exitCode, result.output).toBe(0);
    return result;
  }
  const query = (sql: string) => withAdapter(target, async (adapter: Adapter) => (await adapter.query(sql)).rows);
  const q = (name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
  /** Column name → type, in table order. */
  const columnsOf = (table: string) =>
    withAdapter(target, async (adapter) => {
      const result = await adapter.query<{ name: string; type: string }>(
        `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type from pg_attribute a
         where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
        [q(table)],
      );
      return result.rows.map((r) => `${r.name} ${r.type}`);
    });

  beforeEach(() => {
    schema = uniqueSchema('incr');
    target = engine.makeTarget(schema);
    dir = projectOn('incremental', target);
  });

  describe('strategies', () => {
    it('append: every new row goes in, duplicates included', async () => {
      await buildWith({ 'seeds/keyed_input.csv': 'id,v\n1,a\n2,b\n' }, '--select', '+append_rows');
      expect(await query(`select id, v from ${q('append_rows')} order by id, v`)).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ]);
      const second = await buildWith({ 'seeds/keyed_input.csv': 'id,v\n2,b2\n3,c\n' }, '--select', '+append_rows');
      expect(runResults(dir).get('append_rows')?.message).toBe('INSERT 2');
      expect(second.output).toContain('INSERT 2');
      expect(await query(`select id, v from ${q('append_rows')} order by id, v`)).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
        { id: 2, v: 'b2' },
        { id: 3, v: 'c' },
      ]);
      expect(await columnsOf('append_rows')).toEqual(['id integer', 'v text']);
    });

    it('a unique_key without a strategy is delete+insert (dbt-postgres default): new rows replace those with their key', async () => {
      await buildWith({ 'seeds/keyed_input.csv': 'id,v\n1,a\n2,b\n' }, '--select', '+keyed_rows');
      expect(await query(`select id, v from ${q('keyed_rows')} order by id`)).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b' },
      ]);
      await buildWith({ 'seeds/keyed_input.csv': 'id,v\n2,b2\n3,c\n' }, '--select', '+keyed_rows');
      expect(await query(`select id, v from ${q('keyed_rows')} order by id`)).toEqual([
        { id: 1, v: 'a' },
        { id: 2, v: 'b2' },
        { id: 3, v: 'c' },
      ]);
      expect(await columnsOf('keyed_rows')).toEqual(['id integer', 'v text']);
    });

    it('delete+insert on a list of key columns, with incremental_predicates limiting the delete', async () => {
      const first = 'k1,k2,v\n1,1,a\n1,2,b\n2,1,c\n';
      await buildWith({ 'seeds/composite_input.csv': first }, '--select', '+composite_rows');
      expect(await query(`select k1, k2, v from ${q('composite_rows')} order by k1, k2, v`)).toEqual([
        { k1: 1, k2: 1, v: 'a' },
        { k1: 1, k2: 2, v: 'b' },
        { k1: 2, k2: 1, v: 'c' },
      ]);
      // (1,1) is replaced; (2,1) matches too, but the predicate `DBT_INTERNAL_DEST.k1 <> 2` keeps the old row.
      await buildWith({ 'seeds/composite_input.csv': 'k1,k2,v\n1,1,A\n2,1,C\n3,1,d\n' }, '--select', '+composite_rows');
      expect(await query(`select k1, k2, v from ${q('composite_rows')} order by k1, k2, v`)).toEqual([
        { k1: 1, k2: 1, v: 'A' },
        { k1: 1, k2: 2, v: 'b' },
        { k1: 2, k2: 1, v: 'C' },
        { k1: 2, k2: 1, v: 'c' },
        { k1: 3, k2: 1, v: 'd' },
      ]);
      expect(await columnsOf('composite_rows')).toEqual(['k1 integer', 'k2 integer', 'v text']);
    });

    it('merge: matched rows are updated but for merge_exclude_columns; merge_update_columns updates only those', async () => {
      const first = 'id,v,w,created\n1,a,10,2024-01-01\n2,b,20,2024-01-01\n';
      await buildWith({ 'seeds/merge_input.csv': first }, '--select', '+merge_rows', '+merge_some');
      const read = (table: string) => query(`select id, v, w, created::text as created from ${q(table)} order by id`);
      const initial = [
        { id: 1, v: 'a', w: 10, created: '2024-01-01' },
        { id: 2, v: 'b', w: 20, created: '2024-01-01' },
      ];
      expect(await read('merge_rows')).toEqual(initial);
      expect(await read('merge_some')).toEqual(initial);
      await buildWith({ 'seeds/merge_input.csv': 'id,v,w,created\n2,b2,21,2024-02-02\n3,c,30,2024-02-02\n' }, '--select', '+merge_rows', '+merge_some');
      expect(runResults(dir).get('merge_rows')?.message).toBe('INSERT 2');
      expect(await read('merge_rows')).toEqual([
        { id: 1, v: 'a', w: 10, created: '2024-01-01' },
        { id: 2, v: 'b2', w: 21, created: '2024-01-01' },
        { id: 3, v: 'c', w: 30, created: '2024-02-02' },
      ]);
      expect(await read('merge_some')).toEqual([
        { id: 1, v: 'a', w: 10, created: '2024-01-01' },
        { id: 2, v: 'b2', w: 20, created: '2024-01-01' },
        { id: 3, v: 'c', w: 30, created: '2024-02-02' },
      ]);
      expect(await columnsOf('merge_rows')).toEqual(['id integer', 'v text', 'w integer', 'created date']);
      const statements = fs.readFileSync(path.join(dir, 'target/run/incremental/models/merge_rows.sql'), 'utf8');
      expect(statements).toMatch(/merge into .* as DBT_INTERNAL_DEST/);
    });

    it('a failing incremental run leaves the table as it was: two new rows for one existing key make MERGE fail (exit code 1)', async () => {
      await buildWith({ 'seeds/merge_input.csv': 'id,v,w,created\n1,a,10,2024-01-01\n2,b,20,2024-01-01\n' }, '--select', '+merge_rows');
      const before = await query(`select id, v, w, created::text as created from ${q('merge_rows')} order by id`);
      writeFiles(dir, { 'seeds/merge_input.csv': 'id,v,w,created\n4,d,40,2024-03-03\n2,x,1,2024-03-03\n2,y,2,2024-03-03\n' });
      const result = await build('--select', '+merge_rows');
      expect(result.exitCode, result.output).toBe(1);
      expect(runResults(dir).get('merge_rows')?.message).toMatch(/MERGE command cannot affect row a second time/);
      expect(await query(`select id, v, w, created::text as created from ${q('merge_rows')} order by id`)).toEqual(before);
      const leftovers = await query(`select relname from pg_class where relnamespace = '${schema}'::regnamespace and relname like '%strata%' and relpersistence <> 't'`);
      expect(leftovers).toEqual([]);
    });
  });

  describe('on_schema_change', () => {
    const v1 = { 'seeds/schema_input.csv': 'id,v,w\n1,a,10\n2,b,20\n' };
    const read = (table: string) => query(`select * from ${q(table)} order by id`);

    it('ignore (the default): new columns are left out of the table', async () => {
      await buildWith(v1, '--select', '+schema_ignore');
      await buildWith({ 'seeds/schema_input.csv': 'id,v,w,c\n2,b2,21,C2\n3,c,30,C3\n' }, '--select', '+schema_ignore');
      expect(await columnsOf('schema_ignore')).toEqual(['id integer', 'v text', 'w integer']);
      expect(await read('schema_ignore')).toEqual([
        { id: 1, v: 'a', w: 10 },
        { id: 2, v: 'b2', w: 21 },
        { id: 3, v: 'c', w: 30 },
      ]);
    });

    it('fail: an error naming the columns; the table stays as it was (exit code 1)', async () => {
      await buildWith(v1, '--select', '+schema_fail');
      writeFiles(dir, { 'seeds/schema_input.csv': 'id,w,c\n2,x21,C2\n' });
      const result = await build('--select', '+schema_fail');
      expect(result.exitCode, result.output).toBe(1);
      const message = runResults(dir).get('schema_fail')?.message ?? '';
      expect(message).toContain('out of sync (on_schema_change: fail)');
      expect(message).toContain('new in the query: c');
      expect(message).toContain('gone from the query: v');
      expect(message).toContain('new types: w integer → text');
      expect(await columnsOf('schema_fail')).toEqual(['id integer', 'v text', 'w integer']);
      expect(await read('schema_fail')).toEqual([
        { id: 1, v: 'a', w: 10 },
        { id: 2, v: 'b', w: 20 },
      ]);
    });

    it('append_new_columns: new columns are added at the end; a removed one stays, null in the new rows', async () => {
      await buildWith(v1, '--select', '+schema_append_new_columns');
      await buildWith({ 'seeds/schema_input.csv': 'id,w,c\n2,21,C2\n3,30,C3\n' }, '--select', '+schema_append_new_columns');
      expect(await columnsOf('schema_append_new_columns')).toEqual(['id integer', 'v text', 'w integer', 'c text']);
      expect(await read('schema_append_new_columns')).toEqual([
        { id: 1, v: 'a', w: 10, c: null },
        { id: 2, v: null, w: 21, c: 'C2' },
        { id: 3, v: null, w: 30, c: 'C3' },
      ]);
    });

    it('sync_all_columns: adds the new, drops the removed, changes the type of the retyped', async () => {
      await buildWith(v1, '--select', '+schema_sync_all_columns');
      await buildWith({ 'seeds/schema_input.csv': 'id,w,c\n2,x21,C2\n3,x30,C3\n' }, '--select', '+schema_sync_all_columns');
      expect(await columnsOf('schema_sync_all_columns')).toEqual(['id integer', 'w text', 'c text']);
      expect(await read('schema_sync_all_columns')).toEqual([
        { id: 1, w: '10', c: null },
        { id: 2, w: 'x21', c: 'C2' },
        { id: 3, w: 'x30', c: 'C3' },
      ]);
    });
  });

  describe('microbatch', () => {
    const readEvents = () => query(`select event_id, occurred_at::text as at, kind_name, amount from ${q('daily_events')} order by event_id`);

    it('--event-time-start/--event-time-end build only the batches of that window; refs with event_time are filtered', async () => {
      const events = [
        'event_id,occurred_at,kind_id,amount',
        '1,2024-01-01 10:00:00,1,10',
        '2,2024-01-02 09:00:00,1,20',
        '3,2024-01-02 18:00:00,2,30',
        '4,2024-01-03 12:00:00,1,40',
        '5,2024-01-04 08:00:00,1,50',
      ].join('\n');
      const window = ['--event-time-start', '2024-01-02', '--event-time-end', '2024-01-04'];
      const first = await buildWith({ 'seeds/events_input.csv': events }, '--select', '+daily_events', ...window);
      expect(first.output).toContain('microbatch: 2 batches of a day, 2024-01-02 to 2024-01-04');
      expect(await readEvents()).toEqual([
        { event_id: 2, at: '2024-01-02 09:00:00', kind_name: 'sale', amount: 20 },
        { event_id: 3, at: '2024-01-02 18:00:00', kind_name: 'refund', amount: 30 },
        { event_id: 4, at: '2024-01-03 12:00:00', kind_name: 'sale', amount: 40 },
      ]);
      // Day 3's batch replaces the rows of 2024-01-03 (4 is gone, 6 and 7 come); other days are not read.
      const changed = [
        'event_id,occurred_at,kind_id,amount',
        '1,2024-01-01 10:00:00,1,11',
        '2,2024-01-02 09:00:00,1,21',
        '6,2024-01-03 01:00:00,2,60',
        '7,2024-01-03 23:59:59,1,70',
        '5,2024-01-04 08:00:00,1,50',
      ].join('\n');
      await buildWith({ 'seeds/events_input.csv': changed }, '--select', '+daily_events', '--event-time-start', '2024-01-03', '--event-time-end', '2024-01-04');
      expect(await readEvents()).toEqual([
        { event_id: 2, at: '2024-01-02 09:00:00', kind_name: 'sale', amount: 20 },
        { event_id: 3, at: '2024-01-02 18:00:00', kind_name: 'refund', amount: 30 },
        { event_id: 6, at: '2024-01-03 01:00:00', kind_name: 'refund', amount: 60 },
        { event_id: 7, at: '2024-01-03 23:59:59', kind_name: 'sale', amount: 70 },
      ]);
      expect(await columnsOf('daily_events')).toEqual(['event_id integer', 'occurred_at timestamp without time zone', 'kind_name text', 'amount integer']);
    });

    it('from begin on a full refresh; then the current batch and `lookback` batches before it', async () => {
      const day = (offset: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + offset)).toISOString().slice(0, 10);
      const seed = (amounts: Record<number, number>) =>
        ['event_id,occurred_at,kind_id,amount', ...[-6, -4, -3, -2, -1, 0, 2].map((d) => `${d + 10},${day(d)} 12:00:00,1,${amounts[d] ?? d + 100}`)].join('\n');
      const begin = ['--vars', JSON.stringify({ begin: day(-4) })];
      const first = await buildWith({ 'seeds/events_input.csv': seed({}) }, '--select', '+daily_events', '--full-refresh', ...begin);
      expect(first.output).toContain(`microbatch: 5 batches of a day, ${day(-4)} to ${day(1)}`);
      const expected = (amounts: Record<number, number>) =>
        [-4, -3, -2, -1, 0].map((d) => ({ event_id: d + 10, at: `${day(d)} 12:00:00`, kind_name: 'sale', amount: amounts[d] ?? d + 100 }));
      expect(await readEvents()).toEqual(expected({}));

      const changes = { [-3]: 1, [-1]: 2, [0]: 3 };
      // lookback 1: today's batch and yesterday's.
      await buildWith({ 'seeds/events_input.csv': seed(changes) }, '--select', '+daily_events', ...begin);
      expect(await readEvents()).toEqual(expected({ [-1]: 2, [0]: 3 }));
      // lookback 3 reaches day -3.
      await buildWith({}, '--select', 'daily_events', '--vars', JSON.stringify({ begin: day(-4), lookback: 3 }));
      expect(await readEvents()).toEqual(expected(changes));
    });

    it('the batches of a run share one transaction: a failing batch takes back the ones before it (exit code 1)', async () => {
      writeFiles(dir, {
        'models/ratio_events.sql':
          "{{ config(incremental_strategy='microbatch', event_time='occurred_at', batch_size='day', begin='2024-01-01') }}\n" +
          "select event_id, occurred_at, 100 / amount as ratio from {{ ref('events') }}\n",
      });
      const window = ['--event-time-start', '2024-01-02', '--event-time-end', '2024-01-04'];
      const events = (day2: number, day3: number) => `event_id,occurred_at,kind_id,amount\n1,2024-01-02 10:00:00,1,${day2}\n2,2024-01-03 10:00:00,1,${day3}\n`;
      await buildWith({ 'seeds/events_input.csv': events(50, 20) }, '--select', '+ratio_events', ...window);
      const read = () => query(`select event_id, ratio from ${q('ratio_events')} order by event_id`);
      expect(await read()).toEqual([
        { event_id: 1, ratio: 2 },
        { event_id: 2, ratio: 5 },
      ]);
      writeFiles(dir, { 'seeds/events_input.csv': events(25, 0) });
      const result = await build('--select', '+ratio_events', ...window);
      expect(result.exitCode, result.output).toBe(1);
      expect(runResults(dir).get('ratio_events')?.message).toContain('division by zero');
      expect(await read()).toEqual([
        { event_id: 1, ratio: 2 },
        { event_id: 2, ratio: 5 },
      ]);
    });

    it('--event-time-start without --event-time-end is a usage error before any SQL (exit code 2)', async () => {
      const result = await build('--select', 'daily_events', '--event-time-start', '2024-01-01');
      expect(result.exitCode, result.output).toBe(2);
      expect(result.output).toContain('--event-time-start needs --event-time-end too');
    });
  });

  describe('configuration errors', () => {
    it('an unknown strategy stops the command before any SQL, naming the file, the place and the strategies (exit code 2)', async () => {
      const badSchema = uniqueSchema('incr_bad');
      const badTarget = engine.makeIsolatedTarget(badSchema);
      const bad = projectOn('incremental', badTarget, {
        'models/bogus.sql': "select 1 as id\n{{ config(materialized='incremental', incremental_strategy='bogus') }}\n",
        'models/keyless_merge.sql': "{{ config(incremental_strategy='merge') }}\nselect 1 as id\n",
      });
      const result = await strata(['build', '--project-dir', bad]);
      expect(result.exitCode, result.output).toBe(2);
      expect(result.output).toContain("models/bogus.sql:2:39");
      expect(result.output).toContain("unknown incremental_strategy 'bogus'");
      expect(result.output).toContain('append, delete+insert, merge, microbatch');
      expect(result.output).toContain("models/keyless_merge.sql:1:11");
      expect(result.output).toContain("incremental_strategy 'merge' needs a unique_key");
      const relations = await withAdapter(badTarget, async (adapter) =>
        (await adapter.query(`select count(*)::int as n from pg_namespace where nspname = $1`, [badSchema])).rows,
      );
      expect(relations).toEqual([{ n: 0 }]);
    });
  });
});
