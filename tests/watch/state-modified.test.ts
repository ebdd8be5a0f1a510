/**
 * `--state DIR` with `state:modified`, `state:modified+` and `state:new`, end to end through `strata ls`
 * (no database): compile, keep target/manifest.json aside, edit, select against it. The same
 * fingerprints decide what watch mode reruns.
 */
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
    expect(result.stderr.replace(/.*STR304.*matched no enabled node\n/, '')).toBe('');
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
    fs.copyFileSync(path.join(dir, 'target/manifest.json'), path.join(stateDir, 'manifest.json'));
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

describe('--defer', () => {
  it('points nodes outside the selection at the relations of the saved manifest', () => {
    const node = (name: string, schema: string): ManifestNode =>
      ({ id: `model.p.${name}`, resourceType: 'model', name, schema, alias: name, config: { materialized: 'view' } }) as unknown as ManifestNode;
    const manifest = { nodes: { 'model.p.a': node('a', 'dev'), 'model.p.b': node('b', 'dev') }, sources: {} } as unknown as Manifest;
    const state: StateManifest = { nodes: { 'model.p.a': { schema: 'prod', alias: 'a_prod' } }, sources: {} };
    expect(deferToState(manifest, ['model.p.b' as never], state)).toEqual(['model.p.a']);
    expect([manifest.nodes['model.p.a']!.schema, manifest.nodes['model.p.a']!.alias]).toEqual(['prod', 'a_prod']);
    expect(manifest.nodes['model.p.b']!.schema).toBe('dev');
  });
});
