/**
 * The bad-input suite: one broken file or flag per case, each run as users run it (the CLI in a child
 * process, on a temp copy of a tiny project). For each case: the exit code (2 for a project or command
 * mistake, 1 for a failing node), the code, the file:line:col where one exists, a hint, one line per
 * cause, and none of `undefined`, `NaN`, `[object Object]` or a stack trace in the output.
 *
 * Cases caught before the database run `compile` or `ls` (no database is opened); the others run on
 * this file's embedded data directory (one child at a time: it has one owner) and on Postgres.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { strata, targetYaml, type CliResult } from '../engine/cli.js';
import { describeEachEngine, uniqueSchema, type TestEngine } from '../support/engines.js';

interface Case {
  name: string;
  /** Files written over the tiny project (null deletes one). */
  files?: Record<string, string | null>;
  /** The command line, without --project-dir (`{dir}` stands for the project's directory). */
  args: string[];
  exit: 0 | 1 | 2;
  /** The diagnostic's code (`error STRxxx` or `warning STRxxx`); none for usage errors of the command line. */
  code?: string;
  /** Where the diagnostic points: `file`, `file:line` or `file:line:col`. */
  at?: string;
  message: RegExp;
  /** A relation the failed command must not have created (the database is unchanged where it failed). */
  absent?: string;
  /** Lines that may name the cause (default: one, and for a failing node its line and its summary line). */
  lines?: number;
}

const BASE: Record<string, string> = {
  'project.yml': 'name: bi\nmodels:\n  bi:\n    +materialized: table\n',
  'models/a.sql': "select 1 as id, 'x' as label\n",
  'models/b.sql': "select id, label\nfrom {{ ref('a') }}\n",
  'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique]\n',
  'macros/twice.sql': '{% macro twice(x) %}{{ x }} * 2{% endmacro %}\n',
  'seeds/colors.csv': 'id,name\n1,red\n2,blue\n',
};

/** A password that must never reach the output. */
const PASSWORD = 'bad-input-secret';

const DBT_PROJECT = 'name: bi\nprofile: bi\nmodels:\n  bi:\n    +materialized: table\n';

/** Caught before any database: `compile`, `ls` and command-line mistakes. */
const BEFORE_DATABASE: Case[] = [
  // project files
  { name: 'empty project.yml', files: { 'project.yml': '' }, args: ['ls'], exit: 2, code: 'STR102', at: 'project.yml', message: /project\.yml is empty|name/ },
  { name: 'project.yml does not parse', files: { 'project.yml': 'name: bi\nmodels:\n  bi:\n    +materialized: [view\n' }, args: ['ls'], exit: 2, code: 'STR101', at: 'project.yml:5:1', message: /invalid YAML/ },
  { name: 'project.yml without a name', files: { 'project.yml': 'models: {}\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'project.yml', message: /name/ },
  { name: 'project.yml with a name of the wrong type', files: { 'project.yml': 'name: [bi]\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'project.yml:1:7', message: /name/ },
  { name: 'project.yml that is a list', files: { 'project.yml': '- name: bi\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'project.yml', message: /mapping|object/ },
  { name: 'no project file', files: { 'project.yml': null }, args: ['ls'], exit: 2, code: 'STR100', message: /no project\.yml \(or dbt_project\.yml\)/ },
  { name: 'unknown materialization in project.yml', files: { 'project.yml': 'name: bi\nmodels:\n  bi:\n    +materialized: banana\n' }, args: ['compile'], exit: 2, code: 'STR112', at: 'project.yml:4:20', message: /unknown materialization 'banana'/ },
  { name: 'unknown --target', args: ['compile', '--target', 'nope'], exit: 2, code: 'STR104', message: /nope/ },
  { name: 'target: names no target', files: { 'project.yml': `${BASE['project.yml']}target: prod\ntargets:\n  dev: { type: pglite, schema: bi }\n` }, args: ['compile'], exit: 2, code: 'STR104', at: 'project.yml', message: /prod/ },
  { name: 'a target of an unsupported type', files: { 'project.yml': `${BASE['project.yml']}target: dev\ntargets:\n  dev: { type: mysql, schema: bi }\n` }, args: ['compile'], exit: 2, code: 'STR109', at: 'project.yml', message: /mysql/ },
  { name: 'env_var not set in a target', files: { 'project.yml': `${BASE['project.yml']}target: dev\ntargets:\n  dev: { type: postgres, url: "{{ env_var('BI_NO_SUCH_URL') }}", schema: bi }\n` }, args: ['compile'], exit: 2, code: 'STR105', at: 'project.yml', message: /BI_NO_SUCH_URL/ },
  { name: 'a config template that does not render', files: { 'project.yml': `${BASE['project.yml']}target: dev\ntargets:\n  dev: { type: pglite, schema: "{{ bi_schema( }}" }\n` }, args: ['compile'], exit: 2, code: 'STR106', at: 'project.yml:7:', message: /bi_schema/ },
  { name: 'a target port that is not a number', files: { 'project.yml': `${BASE['project.yml']}target: pg\ntargets:\n  pg: { type: postgres, host: 127.0.0.1, port: abc, schema: bi }\n` }, args: ['compile'], exit: 2, code: 'STR102', at: 'project.yml:7:', message: /'port': not a valid value/ },
  { name: 'a Postgres server that is not there', files: { 'project.yml': `${BASE['project.yml']}target: pg\ntargets:\n  pg: { type: postgres, url: 'postgres://bi:${PASSWORD}@127.0.0.1:1/bi', schema: bi }\n` }, args: ['run'], exit: 2, code: 'STR520', message: /cannot connect to Postgres at postgres:\/\/bi:\*+@127\.0\.0\.1:1\/bi/ },
  { name: 'unknown key in project.yml (a warning)', files: { 'project.yml': `${BASE['project.yml']}colour: blue\n` }, args: ['ls'], exit: 0, code: 'STR108', at: 'project.yml:5:1', message: /colour/ },

  // profiles.yml
  { name: 'profiles.yml does not parse', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT, 'profiles.yml': 'bi:\n  target: dev\n  outputs: [\n' }, args: ['compile'], exit: 2, code: 'STR101', at: 'profiles.yml:4:1', message: /invalid YAML/ },
  { name: 'profile missing from profiles.yml', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT, 'profiles.yml': 'other:\n  target: dev\n  outputs:\n    dev: { type: pglite, schema: bi }\n' }, args: ['compile'], exit: 2, code: 'STR103', message: /'bi'/ },
  { name: 'profile target missing from outputs', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT, 'profiles.yml': 'bi:\n  target: prod\n  outputs:\n    dev: { type: pglite, schema: bi }\n' }, args: ['compile'], exit: 2, code: 'STR104', at: 'profiles.yml', message: /prod/ },
  { name: 'profile output of an unsupported type', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT, 'profiles.yml': 'bi:\n  target: dev\n  outputs:\n    dev: { type: snowflake, schema: bi }\n' }, args: ['compile'], exit: 2, code: 'STR109', at: 'profiles.yml', message: /snowflake/ },
  { name: 'profiles.yml that is a list', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT, 'profiles.yml': '- bi\n' }, args: ['compile'], exit: 2, at: 'profiles.yml', message: /profiles\.yml/ },

  { name: '--profiles-dir with no profiles.yml', files: { 'project.yml': null, 'dbt_project.yml': DBT_PROJECT }, args: ['compile', '--profiles-dir', '{dir}/nowhere'], exit: 2, code: 'STR103', message: /no profiles\.yml/ },
  { name: 'a key twice in project.yml', files: { 'project.yml': 'name: bi\nname: bo\n' }, args: ['ls'], exit: 2, code: 'STR101', at: 'project.yml:2:1', message: /unique/ },
  { name: 'tabs in project.yml', files: { 'project.yml': 'name: bi\nmodels:\n\tbi: {}\n' }, args: ['ls'], exit: 2, code: 'STR101', at: 'project.yml:3:1', message: /Tabs/ },

  // schema YAML
  { name: 'schema YAML does not parse', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns: [\n' }, args: ['ls'], exit: 2, code: 'STR101', at: 'models/_schema.yml:5:1', message: /invalid YAML/ },
  { name: 'schema YAML of the wrong shape', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns: 5\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'models/_schema.yml:4:14', message: /columns/ },
  { name: 'a model entry without a name', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - description: x\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'models/_schema.yml:3:5', message: /name/ },
  { name: 'properties of a model in two files', files: { 'models/_more.yml': 'version: 2\nmodels:\n  - name: a\n    description: again\n' }, args: ['ls'], exit: 2, code: 'STR110', at: 'models/', message: /'a'/ },
  { name: 'unknown generic test', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [is_even]\n' }, args: ['ls'], exit: 2, code: 'STR130', at: 'models/_schema.yml:6', message: /is_even/ },
  { name: 'a malformed test entry', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [{unique: {}, not_null: {}}]\n' }, args: ['ls'], exit: 2, code: 'STR111', at: 'models/_schema.yml:6', message: /test/ },
  { name: 'tests on an unknown model (a warning)', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: nope\n    columns:\n      - name: id\n        data_tests: [unique]\n' }, args: ['ls'], exit: 0, code: 'STR131', at: 'models/_schema.yml:6:', message: /nope/ },

  // templates
  { name: 'unclosed {{', files: { 'models/b.sql': 'select id,\n  {{ ref(\'a\') \nfrom x\n' }, args: ['compile'], exit: 2, code: 'STR201', at: 'models/b.sql:2:3', message: /'\{\{' is not closed/ },
  { name: 'unclosed {% if %}', files: { 'models/b.sql': "select id\n{% if true %}\nfrom {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR201', at: 'models/b.sql:2:1', message: /'\{% if %\}' is never closed/ },
  { name: 'mismatched end tag', files: { 'models/b.sql': "select id\n{% if true %}\nfrom {{ ref('a') }}\n{% endfor %}\n" }, args: ['compile'], exit: 2, code: 'STR201', at: 'models/b.sql:4:', message: /endfor/ },
  { name: 'a missing var', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\nwhere id > {{ var('min_id') }}\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:3:', message: /min_id/ },
  { name: 'a missing env_var', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\nwhere label = '{{ env_var('BI_NO_SUCH_VAR') }}'\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:3:', message: /BI_NO_SUCH_VAR/ },
  { name: 'a syntax error in a macro file', files: { 'macros/twice.sql': '{% macro twice(x) %}\n  {{ x * }}\n{% endmacro %}\n', 'models/b.sql': "select {{ twice('id') }} from {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR210', at: 'macros/twice.sql:2:', message: /template/ },
  { name: 'an unclosed macro block', files: { 'macros/twice.sql': '{% macro twice(x) %}\n  {{ x }} * 2\n' }, args: ['compile'], exit: 2, code: 'STR210', at: 'macros/twice.sql:1:1', message: /'\{% macro %\}' is never closed/ },
  { name: 'ref() without arguments', files: { 'models/b.sql': 'select id\nfrom {{ ref() }}\n' }, args: ['compile'], exit: 2, at: 'models/b.sql:2:', message: /ref\(\)/ },
  { name: 'ref() with too many arguments', files: { 'models/b.sql': "select id\nfrom {{ ref('p', 'a', 'x', 'y') }}\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:2:', message: /ref/ },
  { name: 'ref() of a number', files: { 'models/b.sql': 'select id\nfrom {{ ref(5) }}\n' }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /ref\(\) takes names as text \(in quotes\), not 5/ },
  { name: 'ref() of an unset variable', files: { 'models/b.sql': 'select id\nfrom {{ ref(model_name) }}\n' }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /ref\(\) takes names as text \(in quotes\), not none/ },
  { name: 'source() with one argument', files: { 'models/b.sql': "select id\nfrom {{ source('raw') }}\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:2:', message: /source/ },
  { name: 'var() without a name', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }} where id > {{ var() }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /var\(\) takes a variable's name/ },
  { name: 'env_var() without a name', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }} where label = '{{ env_var() }}'\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /env_var\(\) takes an environment variable's name/ },
  { name: 'fromjson of broken JSON', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\n{% set x = fromjson('{') %}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:3:', message: /JSON/ },
  { name: 'an unknown macro', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\nwhere {{ no_such_macro('id') }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:3:', message: /no_such_macro/ },
  { name: 'an unknown method', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\nwhere label = '{{ 'x'.no_such_method() }}'\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:3:', message: /no_such_method/ },
  { name: 'an unknown package namespace', files: { 'models/b.sql': "select {{ no_pkg.star('a') }}\nfrom {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:1:', message: /no_pkg/ },
  { name: 'raise_compiler_error', files: { 'models/b.sql': "select id\nfrom {{ ref('a') }}\n{{ exceptions.raise_compiler_error('b needs a filter') }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:3:', message: /b needs a filter.*\(raised by exceptions\.raise_compiler_error/ },
  { name: 'raise_compiler_error in a macro', files: { 'macros/twice.sql': "{% macro twice(x) %}\n  {{ exceptions.raise_compiler_error('twice needs a column') }}\n{% endmacro %}\n", 'models/b.sql': "select {{ twice('id') }}\nfrom {{ ref('a') }}\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:1:', message: /twice needs a column.*macros\/twice\.sql:2/ },
  { name: 'an unknown filter', files: { 'models/b.sql': "select {{ 'id' | no_such_filter }}\nfrom {{ ref('a') }}\n" }, args: ['compile'], exit: 2, at: 'models/b.sql:1:', message: /no_such_filter/ },
  { name: 'an unknown materialization in config()', files: { 'models/b.sql': "{{ config(materialized='banana') }}\nselect id from {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR121', at: 'models/b.sql', message: /banana/ },

  { name: 'config() with a syntax error', files: { 'models/b.sql': "{{ config(materialized='table' }}\nselect id from {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR201', at: 'models/b.sql:1:', message: /template error/ },
  { name: 'an incomplete expression', files: { 'models/b.sql': "select id from {{ ref('a') }}\nwhere id > {{ 1 + }}\n" }, args: ['compile'], exit: 2, code: 'STR201', at: 'models/b.sql:2:', message: /unexpected token/ },
  { name: 'calling a value', files: { 'models/b.sql': "{% set limit = 5 %}\nselect id from {{ ref('a') }} limit {{ limit() }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /'limit' is a value, not a macro or function/ },
  { name: 'a method of a missing attribute', files: { 'models/b.sql': "select id from {{ ref('a') }}\n{{ this.nope.upper() }}\n" }, args: ['compile'], exit: 2, code: 'STR202', at: 'models/b.sql:2:', message: /this\.nope\.upper/ },
  { name: 'two macros of one name', files: { 'macros/twice_again.sql': '\n{% macro twice(x) %}{{ x }} + {{ x }}{% endmacro %}\n' }, args: ['compile'], exit: 2, code: 'STR211', at: 'macros/twice_again.sql:2', message: /two macros are named 'twice'.*macros\/twice\.sql:1/ },
  { name: 'a snapshot without strategy or unique_key', files: { 'snapshots/snap.sql': "{% snapshot snap %}\nselect * from {{ ref('a') }}\n{% endsnapshot %}\n" }, args: ['compile'], exit: 2, code: 'STR132', at: 'snapshots/snap.sql:1:1', message: /has no strategy/, lines: 2 },
  { name: 'a malformed unit test', files: { 'models/_unit.yml': 'version: 2\nunit_tests:\n  - name: t\n    model: b\n    given: 5\n    expect: {rows: []}\n' }, args: ['compile'], exit: 2, code: 'STR102', at: 'models/_unit.yml:5:12', message: /given.*a list/ },
  { name: 'severity: fatal', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              config:\n                severity: fatal\n' }, args: ['ls'], exit: 2, code: 'STR134', at: 'models/_schema.yml:7:13', message: /severity "fatal" of the unique test is not one dbt knows: it is warn or error/ },
  { name: 'severity: fatal in a singular test', files: { 'tests/sql/no_negative.sql': "{{ config(severity='fatal') }}\nselect * from {{ ref('a') }} where id < 0\n" }, args: ['build'], exit: 2, code: 'STR134', at: 'tests/sql/no_negative.sql:1:11', message: /severity "fatal" of test 'no_negative' is not one dbt knows/ },
  { name: 'config(materialized=table), a bare name', files: { 'models/b.sql': "{{ config(materialized=table) }}\nselect id from {{ ref('a') }}\n" }, args: ['compile'], exit: 2, code: 'STR137', at: 'models/b.sql:1:24', message: /materialized=table: 'table' is read as a variable, and none is set.*quote it: materialized='table'/ },
  { name: '+materialized: [view] in project.yml', files: { 'project.yml': 'name: bi\nmodels:\n  bi:\n    +materialized: [view]\n' }, args: ['compile'], exit: 2, code: 'STR112', at: 'project.yml:4:20', message: /\+materialized is a list \(\["view"\]\); it takes one materialization/ },
  { name: 'an unknown config key in project.yml (a warning)', files: { 'project.yml': 'name: bi\nmodels:\n  bi:\n    +materialised: view\n' }, args: ['compile'], exit: 0, code: 'STR147', at: 'project.yml:4:5', message: /unknown config 'materialised' of models 'a', 'b' \(ignored\).*did you mean 'materialized'\?/ },
  { name: 'an unknown config key in config() (a warning)', files: { 'models/b.sql': "{{ config(materialised='view') }}\nselect id from {{ ref('a') }}\n" }, args: ['compile'], exit: 0, code: 'STR147', at: 'models/b.sql:1:11', message: /unknown config 'materialised' of model 'b' \(ignored\).*did you mean 'materialized'\?/ },
  { name: 'an unknown config key in YAML config: (a warning)', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    config:\n      materialised: view\n' }, args: ['compile'], exit: 0, code: 'STR147', at: 'models/_schema.yml:5:7', message: /unknown config 'materialised' of model 'a' \(ignored\).*did you mean 'materialized'\?/ },
  { name: 'relationships without to', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n        data_tests:\n          - relationships:\n              field: id\n' }, args: ['ls'], exit: 2, code: 'STR134', at: 'models/_schema.yml:7:13', message: /the relationships test has no 'to' argument.*e\.g\. relationships: \{arguments: \{to: ref/ },
  { name: 'accepted_values without values', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: b\n    columns:\n      - name: label\n        data_tests:\n          - accepted_values:\n              quote: false\n' }, args: ['ls'], exit: 2, code: 'STR134', at: 'models/_schema.yml:7:13', message: /the accepted_values test has no 'values' argument/ },
  { name: 'an empty CSV', files: { 'seeds/colors.csv': '' }, args: ['seed'], exit: 2, code: 'STR412', at: 'seeds/colors.csv:1', message: /the seed file is empty/ },
  { name: 'a source whose tables are not a list', files: { 'models/_sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables: orders\n' }, args: ['ls'], exit: 2, code: 'STR102', at: 'models/_sources.yml:4:13', message: /tables.*a list/ },

  // refs and sources
  { name: 'an unknown ref', files: { 'models/b.sql': "select id\nfrom {{ ref('aa') }}\n" }, args: ['compile'], exit: 2, code: 'STR205', at: 'models/b.sql:2:6', message: /unknown ref 'aa'.*did you mean 'a'/ },
  { name: 'a ref to an unknown package', files: { 'models/b.sql': "select id\nfrom {{ ref('no_pkg', 'a') }}\n" }, args: ['compile'], exit: 2, code: 'STR206', at: 'models/b.sql:2:', message: /no_pkg/ },
  { name: 'an unknown source', files: { 'models/b.sql': "select id\nfrom {{ source('raw', 'orders') }}\n" }, args: ['compile'], exit: 2, code: 'STR207', at: 'models/b.sql:2:', message: /raw/ },
  { name: 'a ref to a disabled model', files: { 'models/a.sql': "{{ config(enabled=false) }}\nselect 1 as id, 'x' as label\n" }, args: ['compile'], exit: 2, code: 'STR208', at: 'models/b.sql:2:6', message: /ref to 'a', which is disabled/ },
  { name: 'an unknown table of a known source', files: { 'models/_sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n', 'models/b.sql': "select *\nfrom {{ source('raw', 'order') }}\n" }, args: ['compile'], exit: 2, code: 'STR207', at: 'models/b.sql:2:6', message: /unknown source 'raw\.order'.*did you mean 'raw\.orders'/ },
  { name: 'a dependency cycle', files: { 'models/a.sql': "select * from {{ ref('b') }}\n" }, args: ['compile'], exit: 2, code: 'STR301', message: /cycle.*models\/a\.sql.*models\/b\.sql|cycle.*models\/b\.sql.*models\/a\.sql/ },
  { name: 'two models of one name', files: { 'models/sub/a.sql': 'select 2 as id\n' }, args: ['ls'], exit: 2, code: 'STR120', message: /models\/a\.sql.*models\/sub\/a\.sql|models\/sub\/a\.sql.*models\/a\.sql/ },
  { name: 'a model and a seed of one name', files: { 'seeds/a.csv': 'id\n1\n' }, args: ['ls'], exit: 2, code: 'STR122', message: /'a'/ },

  // selectors
  { name: 'a selector method without a value', args: ['ls', '--select', 'tag:'], exit: 2, code: 'STR302', message: /tag:/ },
  { name: 'an unknown selector method', args: ['ls', '--select', 'colour:red'], exit: 2, code: 'STR302', message: /colour/ },
  { name: 'a bare + selector', args: ['ls', '--select', '+'], exit: 2, code: 'STR302', message: /\+/ },
  { name: 'a malformed --exclude', args: ['ls', '--exclude', 'path:'], exit: 2, code: 'STR302', message: /path:/ },
  { name: 'a lone @', args: ['ls', '--select', '@'], exit: 2, code: 'STR302', message: /'@'/ },
  { name: 'config. without a value', args: ['ls', '--select', 'config.materialized:'], exit: 2, code: 'STR302', message: /config\.materialized:/ },
  { name: '--select without a selector', args: ['run', '--select'], exit: 2, code: 'STR305', message: /--select was given without a selector/ },
  { name: '--exclude without a selector', args: ['ls', '--exclude'], exit: 2, code: 'STR305', message: /--exclude was given without a selector/ },
  { name: '--target without a name', args: ['run', '--target'], exit: 2, code: 'STR104', message: /--target was given without a name/ },
  { name: 'state: without --state', args: ['ls', '--select', 'state:modified'], exit: 2, code: 'STR303', message: /--state/ },
  { name: '--state with no manifest', args: ['ls', '--select', 'state:modified', '--state', 'no_such_dir'], exit: 2, code: 'STR160', message: /manifest\.json/ },
  { name: '--state with a broken manifest', files: { 'old/manifest.json': '{"nodes": ' }, args: ['ls', '--select', 'state:modified', '--state', '{dir}/old'], exit: 2, code: 'STR161', message: /manifest\.json/ },
  { name: 'a selector that matches nothing (a warning)', args: ['ls', '--select', 'nope'], exit: 0, code: 'STR304', message: /nope/ },

  // command-line flags
  { name: 'an unknown flag', args: ['ls', '--bogus'], exit: 2, message: /Unknown argument: bogus/ },
  { name: 'an unknown command', args: ['bogus'], exit: 2, message: /bogus/ },
  { name: '--threads 0', args: ['run', '--threads', '0'], exit: 2, code: 'STR139', message: /--threads takes a whole number of 1 or more, not '0'/ },
  { name: '--threads abc', args: ['run', '--threads', 'abc'], exit: 2, code: 'STR139', message: /not a word/ },
  { name: '--threads 1.5', args: ['run', '--threads', '1.5'], exit: 2, code: 'STR139', message: /not '1\.5'/ },
  { name: 'show --limit abc', args: ['show', '--select', 'a', '--limit', 'abc'], exit: 2, code: 'STR165', message: /--limit takes a whole number/ },
  { name: '--lock-timeout abc', args: ['run', '--lock-timeout', 'abc'], exit: 2, code: 'STR138', message: /--lock-timeout takes seconds/ },
  { name: '--log-format xml', args: ['ls', '--log-format', 'xml'], exit: 2, message: /log-format/ },
  { name: 'an unknown --resource-type', args: ['ls', '--resource-type', 'bogus'], exit: 2, message: /resource-type.*bogus/s },
  { name: 'invalid --vars', args: ['compile', '--vars', '{min_id: '], exit: 2, code: 'STR150', message: /--vars/ },
  { name: '--vars that is not a mapping', args: ['compile', '--vars', '[1, 2]'], exit: 2, code: 'STR150', message: /--vars/ },
  { name: 'invalid --event-time-start', args: ['run', '--event-time-start', 'someday', '--event-time-end', '2024-01-02'], exit: 2, code: 'STR136', message: /someday/ },
  { name: 'build --watch --empty', args: ['build', '--watch', '--empty'], exit: 2, code: 'STR151', message: /--empty does not apply to watch/ },
  { name: 'retry with no previous run', args: ['retry'], exit: 2, code: 'STR168', message: /no previous run to retry: target\/run_results\.json does not exist/ },
  { name: 'clone without --state', args: ['clone'], exit: 2, code: 'STR169', message: /strata clone needs --state DIR/ },
  { name: '--defer without --state', args: ['run', '--defer'], exit: 2, code: 'STR162', message: /--state/ },
  { name: 'show with no model', args: ['show'], exit: 2, code: 'STR163', message: /show needs --select with one model, or --inline/ },
  { name: 'run-operation without a macro', args: ['run-operation'], exit: 2, message: /^error: Not enough non-option arguments: got 0, need at least 1\nRun 'strata --help' for usage\.\n(?![\s\S]*error:)/m },
  { name: 'run-operation with bad --args', args: ['run-operation', 'twice', '--args', '{x: '], exit: 2, code: 'STR164', message: /--args/ },

  // packages
  { name: 'packages declared but not installed', files: { 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n' }, args: ['compile'], exit: 2, code: 'STR173', message: /strata deps/ },
  { name: 'packages.yml that does not parse', files: { 'packages.yml': 'packages:\n  - package: [\n' }, args: ['deps'], exit: 2, code: 'STR600', at: 'packages.yml', message: /packages\.yml/ },
];

/** Caught by the database: a node fails (exit 1), or the target itself is wrong. */
const ON_DATABASE: Case[] = [
  { name: 'a ragged CSV row', files: { 'seeds/colors.csv': 'id,name\n1,red\n2,blue,extra\n' }, args: ['seed'], exit: 1, code: 'STR411', at: 'seeds/colors.csv:3', message: /a row has 3 values, the header 2 columns/, absent: 'colors' },
  { name: 'a CSV value that does not fit its declared type', files: { 'seeds/colors.csv': 'id,name\n1,red\ntwo,blue\n', 'seeds/_seeds.yml': 'version: 2\nseeds:\n  - name: colors\n    config:\n      column_types: { id: integer }\n' }, args: ['seed'], exit: 1, code: 'STR411', at: 'seeds/colors.csv:3:1', message: /two/, absent: 'colors' },
  { name: 'column_types naming an unknown column', files: { 'seeds/_seeds.yml': 'version: 2\nseeds:\n  - name: colors\n    config:\n      column_types: { colour: text }\n' }, args: ['seed'], exit: 1, code: 'STR410', message: /colour/, absent: 'colors' },
  { name: 'a seed header naming a column twice', files: { 'seeds/colors.csv': 'id,name,id\n1,red,2\n' }, args: ['seed'], exit: 1, code: 'STR413', at: 'seeds/colors.csv:1:3', message: /names column 'id' twice/, absent: 'colors' },
  { name: 'a seed header with an empty name', files: { 'seeds/colors.csv': 'id,,name\n1,x,red\n' }, args: ['seed'], exit: 1, code: 'STR413', at: 'seeds/colors.csv:1:2', message: /column 2 of the header has no name/, absent: 'colors' },
  { name: 'a model ending in a semicolon', files: { 'models/b.sql': "select id, label\nfrom {{ ref('a') }};\n" }, args: ['run'], exit: 1, code: 'STR401', at: 'models/b.sql:2:', message: /42601.*\(a model is one query: remove the ';'/, absent: 'b' },
  { name: 'a SQL syntax error in a model', files: { 'models/b.sql': "select id,\n  label\nfrom {{ ref('a') }}\nwher id > 1\n" }, args: ['run'], exit: 1, code: 'STR401', at: 'models/b.sql:4:6', message: /42601/, absent: 'b' },
  { name: 'an unknown column in a model', files: { 'models/b.sql': "select id,\n  colour\nfrom {{ ref('a') }}\n" }, args: ['run'], exit: 1, code: 'STR401', at: 'models/b.sql:2:3', message: /42703.*colour/, absent: 'b' },
  { name: 'a division by zero in a model', files: { 'models/b.sql': "select id / 0 as boom\nfrom {{ ref('a') }}\n" }, args: ['run'], exit: 1, code: 'STR401', at: 'models/b.sql', message: /22012/, absent: 'b' },
  { name: 'a SQL error in a singular test', files: { 'tests/sql/bad_test.sql': "select *\nfrom {{ ref('a') }}\nwhere colour = 1\n" }, args: ['build'], exit: 1, code: 'STR401', at: 'tests/sql/bad_test.sql:3:', message: /42703/ },
  { name: 'a generic test on a column that does not exist', files: { 'models/_schema.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: colour\n        data_tests: [not_null]\n' }, args: ['build'], exit: 1, code: 'STR401', at: 'models/_schema.yml:6:', message: /42703.*colour/ },
  { name: 'show --inline with a failing query', args: ['show', '--inline', 'select 1/0'], exit: 1, code: 'STR440', message: /22012/ },
  { name: 'run-operation of an unknown macro', args: ['run-operation', 'no_such_macro'], exit: 2, code: 'STR204', message: /no_such_macro/ },
];

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string | null> = {}, extraProjectYaml = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bad-'));
  tempDirs.push(dir);
  for (const [file, text] of Object.entries({ ...BASE, ...files })) {
    if (text === null) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), file === 'project.yml' ? text + extraProjectYaml : text);
  }
  return dir;
}

function check(c: Case, result: CliResult): void {
  const out = result.output;
  const context = `${c.name}\n${out}`;
  expect(result.exitCode, context).toBe(c.exit);
  expect(out, context).toMatch(c.message);
  expect(out, context).not.toMatch(/\bundefined\b|\bNaN\b|\[object Object\]/);
  expect(out, context).not.toContain(PASSWORD);
  expect(out, context).not.toMatch(/STR000|internal error|\n\s+at .*:\d+:\d+\)?\n/);
  const lines = out.split('\n');
  if (c.code) {
    const causes = lines.filter((line) => new RegExp(`\\b(error|warning) ${c.code}\\b`).test(line));
    expect(causes.length, context).toBeGreaterThanOrEqual(1);
    expect(causes.length, context).toBeLessThanOrEqual(c.lines ?? (c.exit === 1 ? 2 : 1));
    const first = causes[0]!;
    // A hint in parentheses at the end of the line.
    expect(first, context).toMatch(/\S\s{2}\(.+\)\s*$/);
    if (c.at) expect(first, context).toContain(c.at);
  } else if (c.at) {
    const line = lines.find((l) => l.includes(c.at!) && /\b(error|warning) STR\d{3}\b/.test(l));
    expect(line, context).toBeDefined();
    expect(line, context).toMatch(/\S\s{2}\(.+\)\s*$/);
  } else if (c.exit === 2) {
    // Command-line mistakes: the message, and where to look next.
    expect(out, context).toMatch(/strata --help|\(.+\)\s*$/m);
  }
}

describe.concurrent('bad input caught before the database', () => {
  it.each(BEFORE_DATABASE.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = project(c.files);
    check(c, await strata([...c.args.map((a) => a.replace('{dir}', dir)), '--project-dir', dir]));
    // No database was opened: the embedded data directory was not created.
    expect(fs.existsSync(path.join(dir, '.strata', 'embedded')), c.name).toBe(false);
  });
});

describeEachEngine('bad input caught by the database', (engine: TestEngine) => {
  it.each(ON_DATABASE.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const schema = uniqueSchema('bad');
    const dir = project(c.files, targetYaml(engine.makeTarget(schema)));
    check(c, await strata([...c.args, '--project-dir', dir]));
    if (c.absent) {
      const query = `select count(*) as found from information_schema.tables where table_schema = '${schema}' and table_name = '${c.absent}'`;
      const shown = await strata(['show', '--project-dir', dir, '--inline', query]);
      expect(shown.exitCode, shown.output).toBe(0);
      expect(shown.stdout, `${c.name}: ${c.absent} was created`).toMatch(/^\s*0\s*$/m);
    }
  });
});

it('has at least 60 cases, each named once', () => {
  const names = [...BEFORE_DATABASE, ...ON_DATABASE].map((c) => c.name);
  expect(names.length).toBeGreaterThanOrEqual(60);
  expect(new Set(names).size).toBe(names.length);
});
