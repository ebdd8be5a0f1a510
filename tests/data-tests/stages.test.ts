/**
 * The pure stages behind contracts and unit tests: type normalization, the plan's place for unit tests,
 * and the literal rows of unit test inputs. No database.
 */
import { describe, expect, it } from 'vitest';
import { Dag } from '../../compiler/graph/dag.js';
import { selectNodes } from '../../compiler/graph/select-nodes.js';
import { nodeId } from '../../compiler/manifest/types.js';
import { buildPlan } from '../../compiler/plan/build-plan.js';
import { loadProject } from '../../compiler/project/load-project.js';
import { rowsSql } from '../../compiler/render/compile-unit-test.js';
import { parseProject } from '../../compiler/render/parse-project.js';
import { normalizeType, typesMatch } from '../../compiler/run/contract.js';
import { copyFixture, writeFiles } from '../engine/cli.js';

describe('contract types', () => {
  it.each<[string, string, boolean]>([
    ['int', 'integer', true],
    ['INT4', 'integer', true],
    ['bigint', 'bigint', true],
    ['int8', 'bigint', true],
    ['int', 'bigint', false],
    ['DECIMAL(10, 2)', 'numeric(10,2)', true],
    ['numeric(10,2)', 'numeric(8,3)', false],
    ['numeric', 'numeric(8,3)', true],
    ['varchar(20)', 'character varying(20)', true],
    ['varchar', 'character varying(20)', true],
    ['varchar(20)', 'text', false],
    ['bool', 'boolean', true],
    ['timestamp', 'timestamp without time zone', true],
    ['timestamptz', 'timestamp with time zone', true],
    ['timestamp', 'timestamp with time zone', false],
    ['timestamp(3) with time zone', 'timestamp(3) with time zone', true],
    ['float', 'double precision', true],
    ['int[]', 'integer[]', true],
    ['text', 'text', true],
    ['uuid', 'uuid', true],
  ])('%s vs %s → %s', (declared, actual, match) => {
    expect(typesMatch(declared, actual)).toBe(match);
  });

  it('normalizes spelling, keeping the modifier apart', () => {
    expect(normalizeType(' DECIMAL( 10 , 2 ) ')).toEqual({ base: 'numeric', modifier: '(10,2)', array: '' });
  });
});

describe('unit test inputs as literal rows', () => {
  it('casts known columns, fills missing ones with null, infers ISO dates', () => {
    expect(rowsSql([{ id: 1, at: '2005-05-24' }, { id: 2, name: "O'Hara" }], [{ name: 'id', type: 'integer' }])).toBe(
      [
        `select cast(1 as integer) as "id", '2005-05-24'::date as "at", NULL as "name"`,
        'union all',
        `select cast(2 as integer) as "id", NULL as "at", 'O''Hara' as "name"`,
      ].join('\n'),
    );
  });

  it('no rows: the columns, typed, and no row', () => {
    expect(rowsSql([], [{ name: 'id', type: 'int' }])).toBe('select cast(NULL as int) as "id" where false');
  });
});

describe('unit tests in the plan', () => {
  it('build: unit tests wait for the steps that build their inputs, their model waits for them; test: no upstream relation to check', () => {
    const dir = copyFixture('quality');
    writeFiles(dir, {
      'models/_unit.yml': `version: 2
unit_tests:
  - name: totals
    model: customer_totals
    given:
      - {input: "ref('stg_customers')", rows: [{id: 1, name: Ann}]}
      - {input: "ref('orders')", rows: []}
    expect: {rows: [{customer_id: 1, orders: 0}]}
`,
    });
    const parsed = parseProject(loadProject(dir));
    const dag = Dag.fromManifest(parsed.manifest);
    const unit = nodeId('unit_test.quality.customer_totals.totals');
    expect(parsed.manifest.nodes[unit]).toMatchObject({ resourceType: 'unit_test', unitTest: { model: 'model.quality.customer_totals' } });

    const build = buildPlan(parsed.manifest, dag, selectNodes(parsed.manifest, dag, { select: ['customer_totals'] }).ids, 'build');
    const step = (id: string) => build.steps.find((s) => s.id === id)!;
    expect(step(unit)).toEqual({ kind: 'unit', id: unit, after: [] });
    expect(step('model.quality.customer_totals').after).toContain(unit);
    expect(build.steps.findIndex((s) => s.id === unit)).toBeLessThan(build.steps.findIndex((s) => s.id === 'model.quality.customer_totals'));

    // With its parents in the build, the unit test waits for them: it types its literal rows by their
    // columns, which must not depend on which thread got there first.
    const withParents = buildPlan(parsed.manifest, dag, selectNodes(parsed.manifest, dag, { select: ['+customer_totals'] }).ids, 'build');
    const parents = parsed.manifest.nodes['model.quality.customer_totals']!.dependsOn.nodes.filter((id) => withParents.steps.some((s) => s.id === id));
    expect(parents.length).toBeGreaterThan(0);
    const unitStep = withParents.steps.find((s) => s.id === unit)!;
    for (const parent of parents) expect(unitStep.after).toContain(parent);
    expect(unitStep.after).not.toContain('model.quality.customer_totals');
    expect(withParents.steps.find((s) => s.id === 'model.quality.customer_totals')!.after).toContain(unit);

    const test = buildPlan(parsed.manifest, dag, selectNodes(parsed.manifest, dag, { select: ['test_type:unit'] }).ids, 'test');
    expect(test.steps.map((s) => s.kind)).toEqual(['unit']);
    expect(test.upstream).toEqual([]);
  });
});
