/**
 * The pure parts of incremental models: which strategy a config runs, the problems found at parse time
 * (and their places), microbatch windows as dbt's MicrobatchBuilder computes them, and the batch filter
 * on upstream relations, the statements of each strategy. Plus the parse errors through `strata compile`
 * (no database).
 */
import { describe, expect, it } from 'vitest';
import { checkIncrementalConfig, incrementalStrategy, parseEventTime } from '../../compiler/run/incremental/incremental-config.js';
import { filterToWindow, microbatchWindows, timestampLiteral } from '../../compiler/run/incremental/microbatch.js';
import { deleteInsertSql, mergeSql } from '../../compiler/run/incremental/strategy-sql.js';
import { copyFixture, strata, writeFiles } from './cli.js';

const iso = (windows: { start: Date; end: Date }[]) => windows.map((w) => `${w.start.toISOString()} → ${w.end.toISOString()}`);

describe('incrementalStrategy', () => {
  it.each([
    [{}, 'append'],
    [{ unique_key: 'id' }, 'delete+insert'],
    [{ unique_key: ['a', 'b'] }, 'delete+insert'],
    [{ unique_key: 'id', incremental_strategy: 'append' }, 'append'],
    [{ unique_key: 'id', incremental_strategy: 'merge' }, 'merge'],
    [{ incremental_strategy: 'default', unique_key: 'id' }, 'delete+insert'],
  ])('%j → %s', (config, strategy) => {
    expect(incrementalStrategy(config)).toBe(strategy);
  });
});

describe('checkIncrementalConfig', () => {
  const incremental = (config: Record<string, unknown>) => ({ materialized: 'incremental', ...config });
  it.each([
    [{ incremental_strategy: 'bogus' }, "unknown incremental_strategy 'bogus'"],
    [{ incremental_strategy: 'insert_overwrite' }, "unknown incremental_strategy 'insert_overwrite'"],
    [{ on_schema_change: 'append' }, "unknown on_schema_change 'append'"],
    [{ incremental_strategy: 'merge' }, "incremental_strategy 'merge' needs a unique_key"],
    [{ unique_key: 'id', merge_update_columns: ['a'], merge_exclude_columns: ['b'] }, 'cannot set both merge_update_columns and merge_exclude_columns'],
    [{ incremental_strategy: 'microbatch', batch_size: 'day', begin: '2024-01-01' }, "'microbatch' needs event_time"],
    [{ incremental_strategy: 'microbatch', event_time: 't', begin: '2024-01-01' }, 'microbatch model with no batch_size'],
    [{ incremental_strategy: 'microbatch', event_time: 't', batch_size: 'week', begin: '2024-01-01' }, "microbatch model with batch_size 'week'"],
    [{ incremental_strategy: 'microbatch', event_time: 't', batch_size: 'day' }, "'microbatch' needs begin"],
    [{ incremental_strategy: 'microbatch', event_time: 't', batch_size: 'day', begin: 'yesterday' }, "begin 'yesterday' is not a date"],
    [{ incremental_strategy: 'microbatch', event_time: 't', batch_size: 'day', begin: '2024-01-01', lookback: -1 }, "lookback '-1'"],
  ])('%j: %s', (config, message) => {
    const problems = checkIncrementalConfig(incremental(config), 'models/m.sql');
    expect(problems.map((p) => p.message)).toEqual([expect.stringContaining(message)]);
  });

  it('accepts every strategy with what it needs; a table model is not checked', () => {
    for (const config of [
      { incremental_strategy: 'append' },
      { incremental_strategy: 'delete+insert', unique_key: 'id', incremental_predicates: ['x > 1'] },
      { incremental_strategy: 'merge', unique_key: ['a', 'b'], merge_exclude_columns: ['c'] },
      { incremental_strategy: 'microbatch', event_time: 't', batch_size: 'hour', begin: '2024-01-01 06:00:00', lookback: 0 },
      { on_schema_change: 'sync_all_columns' },
    ]) {
      expect(checkIncrementalConfig(incremental(config), 'models/m.sql')).toEqual([]);
    }
    expect(checkIncrementalConfig({ materialized: 'table', incremental_strategy: 'bogus' }, 'models/m.sql')).toEqual([]);
  });

  it('places a problem at the key in the model file', () => {
    const text = "{{ config(\n    materialized='incremental',\n    incremental_strategy='bogus'\n) }}\nselect 1";
    expect(checkIncrementalConfig(incremental({ incremental_strategy: 'bogus' }), 'models/m.sql', text)[0]).toMatchObject({
      file: 'models/m.sql',
      line: 3,
      column: 5,
      hint: 'the strategies there are: append, delete+insert, merge, microbatch',
    });
  });
});

describe('parseEventTime', () => {
  it.each([
    ['2024-01-02', '2024-01-02T00:00:00.000Z'],
    ['2024-01-02 06:30:00', '2024-01-02T06:30:00.000Z'],
    ['2024-01-02T06:30:00+02:00', '2024-01-02T04:30:00.000Z'],
    [{ isoformat: () => '2024-01-02T06:00:00' }, '2024-01-02T06:00:00.000Z'],
  ])('%j', (value, expected) => {
    expect(parseEventTime(value)?.toISOString()).toBe(expected);
  });

  it.each([['yesterday'], [''], [20240102], [null]])('%j is not a time', (value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });
});

describe('microbatchWindows (as dbt MicrobatchBuilder)', () => {
  const now = new Date('2024-09-17T16:06:00Z');
  const config = (batch_size: string, extra: Record<string, unknown> = {}) => ({ batch_size, begin: '2024-09-15', ...extra });

  it('first build: from begin (truncated) to now rounded up', () => {
    expect(iso(microbatchWindows(config('day'), { incremental: false, now }))).toEqual([
      '2024-09-15T00:00:00.000Z → 2024-09-16T00:00:00.000Z',
      '2024-09-16T00:00:00.000Z → 2024-09-17T00:00:00.000Z',
      '2024-09-17T00:00:00.000Z → 2024-09-18T00:00:00.000Z',
    ]);
  });

  it('incremental: the batch holding now and `lookback` before it (default 1)', () => {
    expect(iso(microbatchWindows(config('day'), { incremental: true, now }))).toEqual([
      '2024-09-16T00:00:00.000Z → 2024-09-17T00:00:00.000Z',
      '2024-09-17T00:00:00.000Z → 2024-09-18T00:00:00.000Z',
    ]);
    expect(iso(microbatchWindows(config('hour', { lookback: 0 }), { incremental: true, now }))).toEqual(['2024-09-17T16:00:00.000Z → 2024-09-17T17:00:00.000Z']);
    expect(iso(microbatchWindows(config('month', { lookback: 2 }), { incremental: true, now }))).toEqual([
      '2024-07-01T00:00:00.000Z → 2024-08-01T00:00:00.000Z',
      '2024-08-01T00:00:00.000Z → 2024-09-01T00:00:00.000Z',
      '2024-09-01T00:00:00.000Z → 2024-10-01T00:00:00.000Z',
    ]);
    expect(iso(microbatchWindows(config('year'), { incremental: true, now }))).toEqual([
      '2023-01-01T00:00:00.000Z → 2024-01-01T00:00:00.000Z',
      '2024-01-01T00:00:00.000Z → 2025-01-01T00:00:00.000Z',
    ]);
  });

  it('--event-time-start/--event-time-end: start truncated, end rounded up, whatever the table', () => {
    const window = { eventTimeStart: new Date('2024-01-30T05:00:00Z'), eventTimeEnd: new Date('2024-03-01T00:00:00Z'), now };
    expect(iso(microbatchWindows(config('month'), { incremental: true, ...window }))).toEqual([
      '2024-01-01T00:00:00.000Z → 2024-02-01T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z → 2024-03-01T00:00:00.000Z',
    ]);
  });
});

describe('filterToWindow', () => {
  const window = { start: new Date('2024-01-02T00:00:00Z'), end: new Date('2024-01-03T00:00:00Z') };
  const events = { relation: '"raw"."events"', identifier: 'events', eventTime: 'occurred_at' };
  const filtered = `(select * from "raw"."events" where occurred_at >= '2024-01-02 00:00:00+00:00' and occurred_at < '2024-01-03 00:00:00+00:00')`;

  it.each([
    ['select * from "raw"."events"', `select * from ${filtered} _dbt_et_filter_subq_events`],
    ['select * from "raw"."events" where x', `select * from ${filtered} _dbt_et_filter_subq_events where x`],
    ['select e.a from "raw"."events" as e', `select e.a from ${filtered} e`],
    ['select e.a from "raw"."events" e join "raw"."kinds" k on true', `select e.a from ${filtered} e join "raw"."kinds" k on true`],
    ['select a from "raw"."events_v2"', 'select a from "raw"."events_v2"'],
    ['select "raw"."events".a from x', 'select "raw"."events".a from x'],
    ['select * from "raw"."Events"', 'select * from "raw"."Events"'],
    ['select * from "raw"."events" AS E', `select * from ${filtered} E`],
  ])('%s', (sql, expected) => {
    expect(filterToWindow(sql, [events], window)).toBe(expected);
  });

  it('writes bounds as dbt does', () => {
    expect(timestampLiteral(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02 03:04:05+00:00');
  });
});

describe('strategy statements', () => {
  const input = { target: { schema: 's', identifier: 't' }, source: '"t__new"', columns: ['id', 'Name', 'v'], uniqueKey: ['id', 'ID2'], predicates: ['DBT_INTERNAL_DEST.v > 0'] };

  it('delete+insert: the key as a row value, the predicates and-ed', () => {
    expect(deleteInsertSql(input)).toEqual([
      'delete from "s"."t" as DBT_INTERNAL_DEST\nwhere ("id", ID2) in (select "id", ID2 from "t__new")\n  and (DBT_INTERNAL_DEST.v > 0)',
      'insert into "s"."t" ("id", "Name", "v")\nselect "id", "Name", "v" from "t__new"',
    ]);
  });

  it('merge: merge_exclude_columns by name, any case', () => {
    expect(mergeSql({ ...input, uniqueKey: ['id'], predicates: [], mergeExcludeColumns: ['name'] })).toEqual([
      [
        'merge into "s"."t" as DBT_INTERNAL_DEST',
        'using "t__new" as DBT_INTERNAL_SOURCE',
        'on DBT_INTERNAL_SOURCE."id" = DBT_INTERNAL_DEST."id"',
        'when matched then update set "id" = DBT_INTERNAL_SOURCE."id", "v" = DBT_INTERNAL_SOURCE."v"',
        'when not matched then insert ("id", "Name", "v")',
        'values (DBT_INTERNAL_SOURCE."id", DBT_INTERNAL_SOURCE."Name", DBT_INTERNAL_SOURCE."v")',
      ].join('\n'),
    ]);
  });
});

describe('parse errors of model configs (strata compile, exit code 2)', () => {
  it('a bare name as a value, a list as materialized, an unknown strategy: each at its place', async () => {
    const dir = copyFixture('incremental');
    writeFiles(dir, {
      'models/bare.sql': "{{ config(materialized=table) }}\nselect 1 as id\n",
      'models/bare_strategy.sql': "{{ config(materialized='incremental', incremental_strategy=merge, unique_key='id') }}\nselect 1 as id\n",
      'models/set_first.sql': "{% set table = 'table' %}{{ config(materialized=table) }}\nselect 1 as id\n",
      'models/nested/listed.sql': 'select 1 as id\n',
      'models/bogus.sql': "{{ config(incremental_strategy='bogus') }}\nselect 1 as id\n",
      'models/bad_mode.sql': "{{ config(on_schema_change='append') }}\nselect 1 as id\n",
    });
    writeFiles(dir, { 'project.yml': 'name: incremental\nmodels:\n  incremental:\n    +materialized: incremental\n    nested:\n      +materialized: [view]\n' });
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(2);
    expect(result.output).toContain("models/bare.sql:1:24  error STR137  materialized=table: 'table' is read as a variable, and none is set  (quote it: materialized='table')");
    expect(result.output).toContain("models/bare_strategy.sql:1:60  error STR137  incremental_strategy=merge");
    expect(result.output).not.toContain('set_first.sql');
    // Reported once, at its line in project.yml, together with the models' own problems.
    expect(result.output).toContain('project.yml:6:22  error STR112  +materialized is a list (["view"]); it takes one materialization');
    expect(result.output).not.toContain('models/nested/listed.sql');
    expect(result.output).toContain(
      "models/bogus.sql:1:11  error STR135  unknown incremental_strategy 'bogus'  (the strategies there are: append, delete+insert, merge, microbatch)",
    );
    expect(result.output).toContain("models/bad_mode.sql:1:11  error STR135  unknown on_schema_change 'append'");
  });
});
