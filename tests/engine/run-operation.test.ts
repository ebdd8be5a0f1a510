/**
 * `strata run-operation <macro> --args '{...}'`: the macro runs on the target with execute true, its
 * statements in one transaction; a raised error is exit 1 with nothing left behind, an unknown macro 2.
 */
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata, withAdapter } from './cli.js';

const MACROS = {
  'macros/operations.sql': `{% macro make_table(name, rows=1) %}
  {% do adapter.create_schema(api.Relation.create(schema=target.schema)) %}
  {% do run_query('create table ' ~ target.schema ~ '.' ~ name ~ ' as select generate_series(1, ' ~ rows ~ ') as n') %}
  {% if rows > 100 %}{{ exceptions.raise_compiler_error('too many rows: ' ~ rows) }}{% endif %}
  {{ log('made ' ~ name, info=True) }}
{% endmacro %}
`,
};

describeEachEngine('run-operation', (engine) => {
  it('calls a macro with --args on the target; a raised error rolls back (exit 1); an unknown macro is exit 2', async () => {
    const schema = uniqueSchema('runop');
    const target = engine.makeIsolatedTarget(schema);
    const dir = projectOn('context', target, MACROS);

    const made = await strata(['run-operation', 'make_table', '--project-dir', dir, '--args', '{name: three, rows: 3}']);
    expect(made.exitCode, made.output).toBe(0);
    expect(made.stdout).toContain('made three');

    const failed = await strata(['run-operation', 'context.make_table', '--project-dir', dir, '--args', '{name: many, rows: 500}']);
    expect(failed.exitCode, failed.output).toBe(1);
    expect(failed.output).toMatch(/too many rows: 500 \(in macro context\.make_table, macros\/operations\.sql:\d+:\d+\)/);

    const unknown = await strata(['run-operation', 'no_such_macro', '--project-dir', dir]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.output).toMatch(/STR204\s+no macro named 'no_such_macro'/);

    await withAdapter(target, async (adapter) => {
      expect((await adapter.query(`select count(*)::int as n from ${quoteIdent(schema)}.three`)).rows).toEqual([{ n: 3 }]);
      const many = await adapter.query(`select 1 from information_schema.tables where table_schema = $1 and table_name = 'many'`, [schema]);
      expect(many.rows).toEqual([]);
    });
  });
});
