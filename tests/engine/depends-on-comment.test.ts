/**
 * dbt's `-- depends_on: {{ ref('x') }}`: a ref inside an SQL comment is still a ref (the comment is SQL's,
 * not Jinja's), so the parse pass records it and the DAG gets the edge, on the static fast path and
 * through the template engine alike.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { nodeId } from '../../compiler/manifest/types.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { parseProject } from '../../compiler/render/parse-project.js';
import { writeFiles } from './cli.js';
import { Dag } from '../../compiler/graph/dag.js';
import { buildPlan } from '../../compiler/plan/build-plan.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-depends-on-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('a ref in a -- depends_on: comment adds the dependency', () => {
  writeFiles(dir, {
    'project.yml': 'name: deps_comment\n',
    'models/upstream.sql': 'select 1 as id\n',
    'models/other.sql': 'select 2 as id\n',
    // Static fast path: nothing but ref/source/config.
    'models/static_reader.sql': "-- depends_on: {{ ref('upstream') }}\nselect 1 as id\n",
    // Template engine: a block tag sends the file through nunjucks.
    'models/templated_reader.sql': [
      "-- depends_on: {{ ref('upstream') }}",
      "/* depends_on: {{ ref('other') }} */",
      '{% if execute %}select 1 as id{% else %}select 0 as id{% endif %}',
      '',
    ].join('\n'),
  });
  const parsed = parseProject(loadProject(dir, { env: { HOME: dir } }));
  const dependsOn = (name: string) => parsed.manifest.nodes[nodeId(`model.deps_comment.${name}`)].dependsOn.nodes;
  expect(dependsOn('static_reader')).toEqual(['model.deps_comment.upstream']);
  expect([...dependsOn('templated_reader')].sort()).toEqual(['model.deps_comment.other', 'model.deps_comment.upstream']);
});

it('a relation named only in -- depends_on: comments orders the node but need not exist before the run', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-depends-on-plan-'));
  try {
    writeFiles(root, {
      'project.yml': 'name: deps_plan\n',
      'models/upstream.sql': 'select 1 as id\n',
      'models/commented.sql': "-- depends_on: {{ ref('upstream') }}\nselect 1 as id\n",
      'models/reader.sql': "-- depends_on: {{ ref('upstream') }}\nselect * from {{ ref('upstream') }}\n",
    });
    const parsed = parseProject(loadProject(root, { env: { HOME: root } }));
    const dag = Dag.fromManifest(parsed.manifest);
    const upstreamOf = (name: string) => buildPlan(parsed.manifest, dag, [nodeId(`model.deps_plan.${name}`)], 'run').upstream.map((u) => u.id);
    expect(parsed.manifest.nodes[nodeId('model.deps_plan.commented')].dependsOn.orderOnly).toEqual(['model.deps_plan.upstream']);
    expect(upstreamOf('commented')).toEqual([]);
    // Read as well as named in the comment: it must exist.
    expect(upstreamOf('reader')).toEqual(['model.deps_plan.upstream']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
