/**
 * dbt's cross-database macros (compiler/render/dbt-context): each rendered through nunjucks as the SQL
 * dbt-postgres emits, then run on each engine for its value.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../../compiler/adapters/adapter.js';
import { CROSS_DATABASE_MACROS } from '../../compiler/render/dbt-context/cross-database-macros.js';
import { createEnvironment, MacroReturn, type StrataEnvironment } from '../../compiler/render/nunjucks-env.js';
import { describeEachEngine } from '../support/engines.js';

interface Harness {
  render(template: string): string;
  /** What `run_query(sql)` answers with `.rows` (absent: the query was not answered yet). */
  answers: Map<string, unknown[][]>;
  /** The queries templates asked for. */
  asked: string[];
  setExecute(value: boolean): void;
}

function harness(): Harness {
  const env: StrataEnvironment = createEnvironment();
  const answers = new Map<string, unknown[][]>();
  const asked: string[] = [];
  let execute = false;
  env.addGlobal('return', (value: unknown) => {
    throw new MacroReturn(value);
  });
  env.addGlobal('exceptions', {
    raise_compiler_error: (message: string) => {
      throw new Error(String(message));
    },
  });
  env.addGlobal('adapter', {});
  env.defineGlobalGetter('execute', () => execute);
  env.addGlobal('run_query', (sql: string) => {
    asked.push(String(sql));
    const rows = answers.get(String(sql));
    return rows ? { rows } : undefined;
  });
  for (const [name, source] of Object.entries(CROSS_DATABASE_MACROS)) {
    const macros = env.macrosOf(source, `(cross-database ${name})`);
    expect(Object.keys(macros)).toEqual([name]);
    env.addGlobal(name, macros[name]);
  }
  return {
    render: (template) => env.compile(template, 'test.sql').render({}),
    answers,
    asked,
    setExecute: (value) => void (execute = value),
  };
}

const h = harness();

describe('cross-database macros: compiled SQL', () => {
  const cases: Array<[macro: string, template: string, sql: string]> = [
    ['type_string', 'cast(x as {{ type_string() }})', 'cast(x as TEXT)'],
    ['type_timestamp', '{{ type_timestamp() }}', 'TIMESTAMP'],
    ['type_float', '{{ type_float() }}', 'FLOAT'],
    ['type_numeric', '{{ type_numeric() }}', 'numeric(28,6)'],
    ['type_int', '{{ type_int() }}', 'INT'],
    ['type_bigint', '{{ type_bigint() }}', 'bigint'],
    ['type_boolean', '{{ type_boolean() }}', 'BOOLEAN'],
    ['current_timestamp', '{{ current_timestamp() }}', 'now()'],
    ['current_timestamp_backcompat', '{{ current_timestamp_backcompat() }}', 'current_timestamp::TIMESTAMP'],
    ['current_timestamp_in_utc_backcompat', '{{ current_timestamp_in_utc_backcompat() }}', "(current_timestamp at time zone 'utc')::TIMESTAMP"],
    ['date_trunc', "{{ date_trunc('month', 'created_at') }}", "date_trunc('month', created_at)"],
    ['dateadd', `{{ dateadd('day', 3, "'2024-01-30'::date") }}`, "'2024-01-30'::date + ((interval '1 day') * (3))"],
    ['datediff year', "{{ datediff('a', 'b', 'year') }}", "(date_part('year', (b)::date) - date_part('year', (a)::date))"],
    ['datediff day', "{{ datediff('a', 'b', 'day') }}", '((b)::date - (a)::date)'],
    [
      'datediff month',
      "{{ datediff('a', 'b', 'month') }}",
      "((date_part('year', (b)::date) - date_part('year', (a)::date)) * 12 + date_part('month', (b)::date) - date_part('month', (a)::date))",
    ],
    ['split_part', "{{ split_part('s', \"','\", 2) }}", "split_part(s, ',', 2)"],
    ['split_part negative', "{{ split_part('s', \"','\", -1) }}", "split_part(s, ',', length(s) - length(replace(s, ',', '')) + 2 + -1)"],
    ['listagg', "{{ listagg('x') }}", "string_agg(x, ',')"],
    ['listagg ordered', `{{ listagg('x', "'|'", 'order by x') }}`, "string_agg(x, '|' order by x)"],
    ['listagg limited', `{{ listagg('x', "'|'", 'order by x', 2) }}`, "array_to_string((array_agg(x order by x))[1:2], '|')"],
    ['concat', "{{ concat(['a', 'b', \"'-'\"]) }}", "a || b || '-'"],
    ['hash', "{{ hash('id') }}", 'md5(cast(id as TEXT))'],
    ['safe_cast', "{{ safe_cast('x', type_int()) }}", 'cast(x as INT)'],
    ['cast', "{{ cast('x', 'date') }}", 'cast(x as date)'],
    ['string_literal', "{{ string_literal('abc') }}", "'abc'"],
    ['escape_single_quotes', `{{ escape_single_quotes("it's") }}`, "it''s"],
    ['any_value', "{{ any_value('x') }}", 'min(x)'],
    ['bool_or', "{{ bool_or('x') }}", 'bool_or(x)'],
    ['cast_bool_to_text', "{{ cast_bool_to_text('flag') }}", 'cast(flag as TEXT)'],
    ['last_day month', "{{ last_day('d', 'month') }}", "cast(date_trunc('month', d) + ((interval '1 month') * (1)) + ((interval '1 day') * (-1)) as date)"],
    ['last_day quarter', "{{ last_day('d', 'quarter') }}", "cast(date_trunc('quarter', d) + ((interval '1 month') * (3)) + ((interval '1 day') * (-1)) as date)"],
    ['position', "{{ position(\"'b'\", 's') }}", "position('b' in s)"],
    ['replace', "{{ replace('s', \"'a'\", \"'b'\") }}", "replace(s, 'a', 'b')"],
    ['right', "{{ right('s', 3) }}", 'right(s, 3)'],
    ['length', "{{ length('s') }}", 'length(s)'],
    ['intersect', 'select 1 {{ intersect() }} select 1', 'select 1 intersect select 1'],
    ['except', 'select 1 {{ except() }} select 2', 'select 1 except select 2'],
    ['array_construct', "{{ array_construct(['1', '2']) }}", 'array[ 1 , 2 ]'],
    ['array_construct empty', '{{ array_construct() }}', 'array[]::INT[]'],
    ['array_construct empty typed', "{{ array_construct([], 'text') }}", 'array[]::text[]'],
    ['array_append', "{{ array_append('a', 3) }}", 'array_append(a, 3)'],
    ['array_concat', "{{ array_concat('a', 'b') }}", 'array_cat(a, b)'],
    ['date', '{{ date(2024, 3, 5) }}', "to_date('2024-03-05', 'YYYY-MM-DD')"],
    ['date (strings, short year)', "{{ date('812', '11', '30') }}", "to_date('0812-11-30', 'YYYY-MM-DD')"],
    ['equals', "{{ equals('a', 'b') }}", '(a = b)'],
    ['get_powers_of_two', '{{ get_powers_of_two(5) }}|{{ get_powers_of_two(8) }}|{{ get_powers_of_two(1) }}', '3|3|1'],
    ['keyword arguments', "{{ dateadd(datepart='month', interval=1, from_date_or_timestamp='d') }}", "d + ((interval '1 month') * (1))"],
  ];
  it.each(cases)('%s', (_macro, template, sql) => {
    expect(h.render(template)).toBe(sql);
  });

  it('datediff refuses a datepart dbt-postgres does not support', () => {
    expect(() => h.render("{{ datediff('a', 'b', 'fortnight') }}")).toThrow(/Unsupported datepart for macro datediff in postgres: 'fortnight'/);
  });

  it('get_powers_of_two refuses a bound that is not positive', () => {
    expect(() => h.render('{{ get_powers_of_two(0) }}')).toThrow(/upper bound must be positive/);
  });

  it('get_intervals_between answers 1 in the parse pass, without a query', () => {
    h.setExecute(false);
    expect(h.render("{{ get_intervals_between('a', 'b', 'day') }}")).toBe('1');
  });
});

/** Renders `template` in the compile pass; queries it asks for run first on the database, as at run time. */
async function renderWithDatabase(adapter: Adapter, template: string): Promise<string> {
  h.setExecute(true);
  try {
    for (let round = 0; round < 5; round++) {
      h.asked.length = 0;
      const sql = h.render(template);
      const unanswered = h.asked.filter((query) => !h.answers.has(query));
      if (unanswered.length === 0) return sql;
      for (const query of unanswered) {
        const result = await adapter.query(query);
        h.answers.set(query, result.rows.map((row) => Object.values(row)));
      }
    }
    throw new Error('template kept asking new queries');
  } finally {
    h.setExecute(false);
  }
}

describeEachEngine('cross-database macros: values', (engine) => {
  let adapter: Adapter;
  beforeAll(async () => {
    adapter = await engine.sharedAdapter();
  });

  const value = async (expression: string, from = ''): Promise<string | null> => {
    const sql = await renderWithDatabase(adapter, `select (${expression})::text as v ${from}`);
    const result = await adapter.query<{ v: string | null }>(sql);
    return result.rows[0]!.v;
  };

  const ts = (text: string) => `"'${text}'::timestamp"`;
  const d = (text: string) => `"'${text}'::date"`;
  const cases: Array<[macro: string, expression: string, expected: string]> = [
    ['type_numeric', "cast(1.23456789 as {{ type_numeric() }})", '1.234568'],
    ['type_bigint', "cast(9007199254740993 as {{ type_bigint() }})", '9007199254740993'],
    ['type_boolean', "cast('t' as {{ type_boolean() }})", 'true'],
    ['type_timestamp', "pg_typeof(cast('2024-01-01' as {{ type_timestamp() }}))", 'timestamp without time zone'],
    ['current_timestamp', 'pg_typeof({{ current_timestamp() }})', 'timestamp with time zone'],
    ['current_timestamp_backcompat', 'pg_typeof({{ current_timestamp_backcompat() }})', 'timestamp without time zone'],
    ['current_timestamp_in_utc_backcompat', 'pg_typeof({{ current_timestamp_in_utc_backcompat() }})', 'timestamp without time zone'],
    ['date_trunc', `{{ date_trunc('month', ${ts('2024-02-17 10:11:12')}) }}`, '2024-02-01 00:00:00'],
    ['dateadd day', `({{ dateadd('day', 3, ${d('2024-01-30')}) }})::date`, '2024-02-02'],
    ['dateadd month (end of month)', `({{ dateadd('month', 1, ${d('2024-01-31')}) }})::date`, '2024-02-29'],
    ['dateadd hour negative', `{{ dateadd('hour', -2, ${ts('2024-01-01 01:00')}) }}`, '2023-12-31 23:00:00'],
    ['datediff year', `{{ datediff(${d('2023-12-31')}, ${d('2024-01-01')}, 'year') }}`, '1'],
    ['datediff quarter', `{{ datediff(${d('2023-12-31')}, ${d('2024-04-01')}, 'quarter') }}`, '2'],
    ['datediff month', `{{ datediff(${d('2024-01-31')}, ${d('2024-03-01')}, 'month') }}`, '2'],
    ['datediff week (Saturday to Sunday)', `{{ datediff(${d('2024-01-06')}, ${d('2024-01-07')}, 'week') }}`, '1'],
    ['datediff week (Sunday to Saturday)', `{{ datediff(${d('2024-01-07')}, ${d('2024-01-13')}, 'week') }}`, '0'],
    ['datediff week backwards', `{{ datediff(${d('2024-01-21')}, ${d('2024-01-06')}, 'week') }}`, '-3'],
    ['datediff day', `{{ datediff(${d('2024-02-28')}, ${d('2024-03-01')}, 'day') }}`, '2'],
    ['datediff hour', `{{ datediff(${ts('2024-01-01 23:59')}, ${ts('2024-01-02 00:01')}, 'hour') }}`, '1'],
    ['datediff minute', `{{ datediff(${ts('2024-01-01 23:59')}, ${ts('2024-01-02 00:01')}, 'minute') }}`, '2'],
    ['datediff second', `{{ datediff(${ts('2024-01-01 00:00:59.9')}, ${ts('2024-01-01 00:01:00.1')}, 'second') }}`, '1'],
    ['datediff millisecond', `{{ datediff(${ts('2024-01-01 00:00:00.100')}, ${ts('2024-01-01 00:00:01.250')}, 'millisecond') }}`, '1150'],
    ['datediff microsecond', `{{ datediff(${ts('2024-01-01 00:00:00.000001')}, ${ts('2024-01-01 00:00:00.00001')}, 'microsecond') }}`, '9'],
    ['last_day month', `{{ last_day(${d('2024-02-10')}, 'month') }}`, '2024-02-29'],
    ['last_day quarter', `{{ last_day(${d('2024-02-10')}, 'quarter') }}`, '2024-03-31'],
    ['last_day year', `{{ last_day(${d('2024-02-10')}, 'year') }}`, '2024-12-31'],
    ['split_part', `{{ split_part("'a,b,c'", "','", 2) }}`, 'b'],
    ['split_part -1', `{{ split_part("'a,b,c'", "','", -1) }}`, 'c'],
    ['split_part -3', `{{ split_part("'a,b,c'", "','", -3) }}`, 'a'],
    ['concat', `{{ concat(["'a'", "'-'", "'b'"]) }}`, 'a-b'],
    ['hash', `{{ hash("'abc'") }}`, '900150983cd24fb0d6963f7d28e17f72'],
    ['safe_cast', `{{ safe_cast("'42'", type_int()) }} + 1`, '43'],
    ['cast', `{{ cast("'2024-01-01'", 'date') }}`, '2024-01-01'],
    ['string_literal', "{{ string_literal('abc') }}", 'abc'],
    ['escape_single_quotes', `'{{ escape_single_quotes("it's") }}'`, "it's"],
    ['cast_bool_to_text', '{{ cast_bool_to_text("1 = 1") }}', 'true'],
    ['position', `{{ position("'c'", "'abcd'") }}`, '3'],
    ['replace', `{{ replace("'abc'", "'b'", "'x'") }}`, 'axc'],
    ['right', `{{ right("'abcdef'", 3) }}`, 'def'],
    ['length', `{{ length("'abcd'") }}`, '4'],
    ['array_construct', "{{ array_construct(['1', '2']) }}", '{1,2}'],
    ['array_construct empty', '{{ array_construct() }}', '{}'],
    ['array_append', "{{ array_append(array_construct(['1']), 2) }}", '{1,2}'],
    ['array_concat', "{{ array_concat(array_construct(['1']), array_construct(['2', '3'])) }}", '{1,2,3}'],
    ['date', '{{ date(2024, 3, 5) }}', '2024-03-05'],
    ['equals', '{{ equals("1", "1") }}', 'true'],
    ['equals (null is not equal)', '{{ equals("null::int", "null::int") }}', 'null'],
  ];
  it.each(cases)('%s', async (_macro, expression, expected) => {
    expect(await value(expression)).toBe(expected === 'null' ? null : expected);
  });

  const aggregates: Array<[macro: string, expression: string, expected: string]> = [
    ['listagg', "{{ listagg('x') }}", 'a,b,c'],
    ['listagg ordered with limit', `{{ listagg('x', "', '", 'order by x desc', 2) }}`, 'c, b'],
    ['listagg ordered', `{{ listagg('x', "'|'", 'order by x desc') }}`, 'c|b|a'],
    ['any_value', "{{ any_value('x') }}", 'a'],
    ['bool_or', "{{ bool_or(\"x = 'b'\") }}", 'true'],
  ];
  it.each(aggregates)('%s', async (_macro, expression, expected) => {
    expect(await value(expression, "from (values ('a'), ('b'), ('c')) as t(x)")).toBe(expected);
  });

  it('intersect and except', async () => {
    const run = async (template: string) => (await adapter.query<{ n: number }>(h.render(template))).rows.map((row) => row.n);
    expect(await run('select 1 as n {{ intersect() }} select 1')).toEqual([1]);
    expect(await run('select 1 as n {{ except() }} select 1')).toEqual([]);
  });

  it('generate_series gives 1..n', async () => {
    const result = await adapter.query<{ generated_number: number }>(h.render('{{ generate_series(5) }}'));
    expect(result.rows.map((row) => Number(row.generated_number))).toEqual([1, 2, 3, 4, 5]);
  });

  it('get_intervals_between asks the database at run time', async () => {
    const sql = await renderWithDatabase(adapter, `{{ get_intervals_between(${d('2024-01-01')}, ${d('2024-03-01')}, 'month') }}`);
    expect(sql).toBe('2');
  });

  it('date_spine gives one row per day, end date excluded', async () => {
    const sql = await renderWithDatabase(adapter, `{{ date_spine('day', ${d('2024-01-30')}, ${d('2024-02-02')}) }}`);
    const result = await adapter.query<{ v: string }>(`select date_day::date::text as v from (${sql}) as spine order by 1`);
    expect(result.rows.map((row) => row.v)).toEqual(['2024-01-30', '2024-01-31', '2024-02-01']);
  });

  it('date_spine by month', async () => {
    const sql = await renderWithDatabase(adapter, `{{ date_spine('month', ${d('2024-01-01')}, ${d('2024-04-01')}) }}`);
    const result = await adapter.query<{ v: string }>(`select date_month::date::text as v from (${sql}) as spine order by 1`);
    expect(result.rows.map((row) => row.v)).toEqual(['2024-01-01', '2024-02-01', '2024-03-01']);
  });
});
