/**
 * `--state DIR` with `state:modified`, `state:modified+` and `state:new`, end to end through `strata ls`
 * (no database): compile, keep target/manifest.json aside, edit, select against it. The same
 * fingerprints decide what watch mode reruns.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferToState, type StateManifest } from '../../compiler/graph/state-manifest.js';
import type { Manifest, ManifestNode } from '../../compiler/manifest/types.js';
import { strata, writeFiles } from '../engine/cli.js';

/**
 *   a ── b ── c ── d        b calls the macro cents; e calls nothing
 *   e
 */
const PROJECT: Record<string, string> = {
  'project.yml': 'name: st\nmodels:\n  st:\n    +materialized: view\n',
  'models/a.sql': 'select 1 as id\n',
  'models/b.sql': "select id, {{ cents('id') }} as amount from {{ ref('a') }}\n",
  'models/c.sql': "select id from {{ ref('b') }}\n",
  'models/d.sql': "select id from {{ ref('c') }}\n",
  'models/e.sql': 'select 2 as id\n',
  'models/schema.yml': 'version: 2\nmodels:\n  - name: c\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
  'macros/cents.sql': '{% macro cents(x) %}({{ x }} * 100){% endmacro %}\n',
  'macros/other.sql': '{% macro other() %}1{% endmacro %}\n',
};

describe('state:modified against a saved manifest', () => {
  let dir: string;
  let stateDir: string;
  /** Names `strata ls` prints; tests of a selected node join it, as with any selector. */
  const ls = async (selector: string) => {
    const result = await strata(['ls', '--project-dir', dir, '--state', stateDir, '--select', selector, '--output', 'name']);
    expect(result.stderr.replace(/.*STR304.*matched no enabled node.*\n/, '')).toBe('');
    expect(result.exitCode).toBe(0);
    return result.stdout.trim().split('\n').filter(Boolean).sort();
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-state-'));
    stateDir = path.join(dir, 'prod-state');
    writeFiles(dir, PROJECT);
    const compiled = await strata(['compile', '--project-dir', dir]);
    expect(compiled.exitCode).toBe(0);
    fs.mkdirSync(stateDir);
    for (const file of ['manifest.json', 'strata_state.json']) fs.copyFileSync(path.join(dir, 'target', file), path.join(stateDir, file));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('selects nothing when nothing changed', async () => {
    expect(await ls('state:modified')).toEqual([]);
  });

  it('selects exactly the changed nodes, and with + their descendants and tests', async () => {
    writeFiles(dir, {
      'models/c.sql': "select id, 'changed' as note from {{ ref('b') }}\n",
      // A comment in a macro no node calls changes nothing.
      'macros/other.sql': '{% macro other() %}1 -- unused{% endmacro %}\n',
    });
    expect(await ls('state:modified')).toEqual(['c', 'not_null_c_id']);
    expect(await ls('state:modified+')).toEqual(['c', 'd', 'not_null_c_id']);
  });

  it('counts a changed macro as a change of its callers, and a config change', async () => {
    writeFiles(dir, {
      'macros/cents.sql': '{% macro cents(x) %}({{ x }} * 100)::int{% endmacro %}\n',
      'models/e.sql': "{{ config(materialized='table') }}\nselect 2 as id\n",
    });
    expect(await ls('state:modified')).toEqual(['b', 'c', 'e', 'not_null_c_id']);
    expect(await ls('state:modified.configs')).toEqual(['e']);
    expect(await ls('state:modified+')).toEqual(['b', 'c', 'd', 'e', 'not_null_c_id']);
  });

  it('selects new nodes with state:new', async () => {
    writeFiles(dir, { 'models/f.sql': "select id from {{ ref('e') }}\n" });
    expect(await ls('state:new')).toEqual(['f']);
  });
});

/** dbt's checksum of a file: sha256 of its text, surrounding whitespace stripped. */
const dbtChecksum = (text: string) => ({ name: 'sha256', checksum: createHash('sha256').update(text.trim()).digest('hex') });

/** The config dbt 1.8+ writes for a model, every default spelled out. */
const dbtModelConfig = (materialized: string) => ({
  enabled: true, alias: null, schema: null, database: null, tags: [], meta: {}, group: null, materialized,
  incremental_strategy: null, batch_size: null, lookback: 1, begin: null, persist_docs: {}, 'post-hook': [], 'pre-hook': [],
  quoting: {}, column_types: {}, full_refresh: null, unique_key: null, on_schema_change: 'ignore', on_configuration_change: 'apply',
  grants: {}, packages: [], docs: { show: true, node_color: null }, contract: { enforced: false, alias_types: true },
  event_time: null, concurrent_batches: null, access: 'protected',
});

/**
 * A manifest.json as dbt itself writes it for PROJECT (the fields --state reads; no strata_state.json):
 * file checksums, configs with dbt's defaults, macro ids of dbt's built-ins and of the project.
 */
function dbtWrittenManifest(): Record<string, unknown> {
  const model = (name: string, macros: string[], parents: string[]) => [
    `model.st.${name}`,
    {
      resource_type: 'model', name, schema: 'public', alias: name, package_name: 'st', original_file_path: `models/${name}.sql`,
      checksum: dbtChecksum(PROJECT[`models/${name}.sql`]!), config: dbtModelConfig('view'),
      depends_on: { macros, nodes: parents },
    },
  ];
  const macro = (name: string) => [`macro.st.${name}`, { name, package_name: 'st', unique_id: `macro.st.${name}`, macro_sql: PROJECT[`macros/${name}.sql`]!.trim(), depends_on: { macros: [] } }];
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.8.9', invocation_id: 'from-dbt' },
    nodes: Object.fromEntries([
      model('a', [], []),
      model('b', ['macro.st.cents'], ['model.st.a']),
      model('c', [], ['model.st.b']),
      model('d', [], ['model.st.c']),
      model('e', [], []),
      [
        'test.st.not_null_c_id.5fb22c2a8b',
        {
          resource_type: 'test', name: 'not_null_c_id', schema: 'public_dbt_test__audit', alias: 'not_null_c_id', checksum: { name: 'none', checksum: '' },
          config: { enabled: true, alias: null, schema: 'dbt_test__audit', database: null, tags: [], meta: {}, group: null, materialized: 'test', severity: 'ERROR',
            store_failures: null, store_failures_as: null, where: null, limit: null, fail_calc: 'count(*)', warn_if: '!= 0', error_if: '!= 0' },
          depends_on: { macros: ['macro.dbt.test_not_null', 'macro.dbt.get_where_subquery'], nodes: ['model.st.c'] },
          test_metadata: { name: 'not_null', kwargs: { column_name: 'id', model: "{{ get_where_subquery(ref('c')) }}" }, namespace: null },
        },
      ],
    ]),
    sources: {},
    macros: Object.fromEntries([
      macro('cents'),
      macro('other'),
      ['macro.dbt.test_not_null', { name: 'test_not_null', package_name: 'dbt', macro_sql: '{% test not_null(model, column_name) %}…{% endtest %}', depends_on: { macros: [] } }],
    ]),
    unit_tests: {},
  };
}

describe('state:modified against a manifest written by dbt', () => {
  let dir: string;
  let stateDir: string;
  const ls = async (selector: string) => {
    const result = await strata(['ls', '--project-dir', dir, '--state', stateDir, '--select', selector, '--output', 'name']);
    expect(result.stderr.replace(/.*STR304.*matched no enabled node.*\n/, '')).toBe('');
    expect(result.exitCode).toBe(0);
    return result.stdout.trim().split('\n').filter(Boolean).sort();
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-dbt-state-'));
    stateDir = path.join(dir, 'dbt-target');
    writeFiles(dir, PROJECT);
    writeFiles(stateDir, { 'manifest.json': JSON.stringify(dbtWrittenManifest()) });
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds nothing changed when the files are the ones dbt parsed', async () => {
    expect(await ls('state:modified')).toEqual([]);
    expect(await ls('state:new')).toEqual([]);
  });

  it("compares dbt's checksum, config and called macros' text", async () => {
    writeFiles(dir, {
      'models/c.sql': "select id, 'changed' as note from {{ ref('b') }}\n",
      'macros/cents.sql': '{% macro cents(x) %}({{ x }} * 100)::int{% endmacro %}\n',
      'macros/other.sql': '{% macro other() %}2{% endmacro %}\n',
      'models/e.sql': "{{ config(materialized='table') }}\nselect 2 as id\n",
      'models/f.sql': "select id from {{ ref('e') }}\n",
    });
    expect(await ls('state:modified.body')).toEqual(['c', 'e', 'not_null_c_id']);
    expect(await ls('state:modified.macros')).toEqual(['b']);
    expect(await ls('state:modified.configs')).toEqual(['e']);
    expect(await ls('state:modified+')).toEqual(['b', 'c', 'd', 'e', 'f', 'not_null_c_id']);
    expect(await ls('state:new')).toEqual(['f']);
  });
});

describe('--defer', () => {
  it('points nodes outside the selection at the relations of the saved manifest', () => {
    const node = (name: string, schema: string): ManifestNode =>
      ({ id: `model.p.${name}`, resourceType: 'model', name, schema, alias: name, config: { materialized: 'view' } }) as unknown as ManifestNode;
    const manifest = { nodes: { 'model.p.a': node('a', 'dev'), 'model.p.b': node('b', 'dev') }, sources: {} } as unknown as Manifest;
    const state: StateManifest = { nodes: { 'model.p.a': { schema: 'prod', alias: 'a_prod' } }, sources: {} };
    const deferral = deferToState(manifest, ['model.p.b' as never], state);
    expect(deferral.deferred).toEqual(['model.p.a']);
    expect([deferral.manifest.nodes['model.p.a']!.schema, deferral.manifest.nodes['model.p.a']!.alias]).toEqual(['prod', 'a_prod']);
    expect(deferral.manifest.nodes['model.p.b']!.schema).toBe('dev');
    // The parsed manifest is not changed.
    expect([manifest.nodes['model.p.a']!.schema, manifest.nodes['model.p.a']!.alias]).toEqual(['dev', 'a']);
  });
});

const UNIT_TEST = `version: 2
unit_tests:
  - name: b_in_cents
    model: b
    given:
      - input: ref('a')
        rows: [{id: 1}]
    expect:
      rows: [{id: 1, amount: 100}]
`;

describe('state:modified across targets', () => {
  it('a manifest built on one target compared from another with no edit selects nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-state-targets-'));
    try {
      writeFiles(dir, {
        ...PROJECT,
        'project.yml': `${PROJECT['project.yml']}target: prod\ntargets:\n  prod: {type: pglite, schema: analytics}\n  ci: {type: pglite, schema: ci_pr_42}\n`,
        // A template that looks at its relations is compiled, and its relations' names hashed as node ids.
        'models/f.sql': "{% set upstream = ref('a') %}{% if upstream.schema %}select id from {{ upstream }}{% endif %}\n",
        'models/_unit.yml': UNIT_TEST,
      });
      const prod = await strata(['compile', '--project-dir', dir, '--target', 'prod']);
      expect(prod.exitCode, prod.output).toBe(0);
      const stateDir = path.join(dir, 'prod-state');
      fs.mkdirSync(stateDir);
      for (const file of ['manifest.json', 'strata_state.json']) fs.copyFileSync(path.join(dir, 'target', file), path.join(stateDir, file));
      const ls = await strata(['ls', '--project-dir', dir, '--target', 'ci', '--state', stateDir, '--select', 'state:modified', '--output', 'name']);
      expect(ls.exitCode, ls.output).toBe(0);
      expect(ls.stdout.trim()).toBe('');
      writeFiles(dir, { 'models/e.sql': 'select 3 as id\n' });
      const edited = await strata(['ls', '--project-dir', dir, '--target', 'ci', '--state', stateDir, '--select', 'state:modified', '--output', 'name']);
      expect(edited.stdout.trim()).toBe('e');
      // A unit test's rows are its definition: an edited expect is a modified unit test.
      writeFiles(dir, { 'models/_unit.yml': UNIT_TEST.replace('amount: 100', 'amount: 200') });
      const unit = await strata(['ls', '--project-dir', dir, '--target', 'ci', '--state', stateDir, '--select', 'state:modified,resource_type:unit_test', '--output', 'name']);
      expect(unit.stdout.trim()).toBe('b_in_cents');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
