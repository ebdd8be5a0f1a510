/**
 * dbt's runtime context in templates (tests/fixtures/projects/context): `adapter` (columns, relations,
 * dispatch), `run_query`, `statement`/`load_result`, `api.Relation`, the cross-database macros,
 * `modules`, `graph`, `run_started_at`; `execute` false in `compile` and `ls`, which open no database;
 * errors inside macros named with the model and the macro.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, statuses, strata, withAdapter } from './cli.js';

describeEachEngine('dbt runtime context', (engine) => {
  it('compile and ls never open the database: execute is false, queries are not run', async () => {
    const schema = uniqueSchema('ctx_compile');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('context', target);
    if (target.type === 'pglite') fs.rmSync(target.path, { recursive: true, force: true });
    const ls = await strata(['ls', '--project-dir', dir]);
    expect(ls.exitCode, ls.output).toBe(0);
    const compile = await strata(['compile', '--project-dir', dir]);
    expect(compile.exitCode, compile.output).toBe(0);
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/context/models/queried.sql'), 'utf8');
    expect(compiled).toMatch(/-1 as row_count/);
    expect(compiled).toMatch(/false as executed/);
    if (target.type === 'pglite') expect(fs.existsSync(target.path)).toBe(false);
  });

  it('build: adapter, run_query, statement, relations, dispatch, cross-database macros, modules, graph', async () => {
    const schema = uniqueSchema('ctx_build');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('context', target);
    const build = await strata(['build', '--project-dir', dir]);
    expect(build.exitCode, build.output).toBe(0);
    const status = statuses(dir);
    expect(Object.values(status).every((s) => s === 'success' || s === 'pass')).toBe(true);
    // 6 models and 3 tests: the two accepted_values tests share a name and get ids of their own.
    expect(Object.keys(status).filter((name) => name.startsWith('accepted_values_base_name'))).toHaveLength(2);
    expect(Object.keys(status)).toHaveLength(9);
    await withAdapter(target, async (adapter) => {
      const row = async (model: string) => (await adapter.query(`select * from ${quoteIdent(schema)}.${quoteIdent(model)}`)).rows[0];
      expect(await row('columns_of')).toEqual({ described: 'id:integer,name:character varying(10),amount:numeric(5,2)', column_count: 3 });
      expect(await row('queried')).toEqual({ row_count: 2, row_count_from_data: 2, top_id: 2, first_name: 'x', result_rows: 1, executed: true });
      expect(await row('relations')).toEqual({
        found_type: 'table',
        missing_is_none: true,
        created: '"s"."t"',
        without_schema: '"base"',
        incorporated: 'other',
      });
      expect(await row('dispatched')).toEqual({
        greeting: 'postgres',
        farewell: 'bye',
        three_days_later: '2024-02-02',
        months_between: 2,
        string_type: 'TEXT',
      });
      expect(await row('modules_use')).toEqual({
        year_month: '2024-01',
        replaced: 'a#b#',
        day_before: '2024-02-29',
        year_digits: 4,
        graph_models: 6,
        from_yaml: 42,
        zipped: 2,
        md5: createHash('md5').update('strata').digest('hex'),
        selected: 9,
      });
    });
  });

  it('a template error names the model line and the macro it happened in; exit 2 at compile, 1 at run', async () => {
    const schema = uniqueSchema('ctx_errors');
    const target = engine.makeTarget(schema);
    const unknown = projectOn('context', target, { 'models/broken.sql': "select 1 as id,\n  {{ no_such_macro(1) }} as x\n" });
    const compile = await strata(['compile', '--project-dir', unknown, '--select', 'broken']);
    expect(compile.exitCode).toBe(2);
    expect(compile.output).toMatch(/models\/broken\.sql:2:\d+\s+error STR202\s+template error: 'no_such_macro' is not a macro or function here/);
    expect(compile.output).not.toMatch(/undefined|at .*\.js:\d+/);

    const raising = projectOn('context', target, {
      'macros/checks.sql': `{% macro check_positive(n) %}{{ return(adapter.dispatch('check_positive', 'context')(n)) }}{% endmacro %}
{% macro default__check_positive(n) %}
  {%- if execute and n <= 0 -%}{{ exceptions.raise_compiler_error('n must be positive, got ' ~ n) }}{%- endif -%}
  {{ n }}
{% endmacro %}
`,
      'models/raising.sql': "select\n  {{ check_positive(-1) }} as n\n",
    });
    const run = await strata(['run', '--project-dir', raising, '--select', 'raising']);
    expect(run.exitCode).toBe(1);
    expect(run.output).toMatch(/models\/raising\.sql:2:\d+\s+error STR202\s+n must be positive, got -1 \(in macro context\.default__check_positive, macros\/checks\.sql:3:\d+\)/);
    expect(run.output).not.toMatch(/undefined|CompilerError|at .*\.js:\d+/);
  });

  it('a broken macro file is reported once, at its line, however many models need macros', async () => {
    const dir = projectOn('context', engine.makeTarget(uniqueSchema('ctx_macro')), {
      'macros/broken.sql': '{% macro broken(x) %}\n  {{ x + }}\n{% endmacro %}\n',
    });
    const compile = await strata(['compile', '--project-dir', dir]);
    expect(compile.exitCode).toBe(2);
    const reports = compile.output.split('\n').filter((line) => line.includes('macros/broken.sql'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/macros\/broken\.sql:2:\d+\s+error STR210/);
  });
});
