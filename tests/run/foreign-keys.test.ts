/**
 * Model-level and column-level constraints of contracted models, and foreign keys between models
 * across Strata's atomic swap: a parent and a child with a foreign key build on an empty database
 * (the child after the parent), and rebuild (both, then each alone) without an error and without
 * losing the constraint. Asserted on pg_constraint, on both engines.
 */
import { expect, it } from 'vitest';
import { quoteIdent } from '../../compiler/sql/quote.js';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { runResults, strata, withAdapter } from '../engine/cli.js';
import { rows, tinyProject } from './tiny-project.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';

const FILES = {
  // Two rows, or one with --vars '{drop_b: true}' (a key the child's rows reference goes away).
  'models/parent.sql': `select 1 as id, 'a' as code, 'Ann' as name
{% if not var('drop_b', false) %}union all select 2, 'b', 'Bob'{% endif %}
`,
  'models/child.sql': `select 10 as id, 1 as parent_id, 'a' as parent_code, 5 as amount
{% if not var('drop_b', false) %}union all select 11, 2, 'b', 7{% endif %}
`,
  'models/_models.yml': `version: 2
models:
  - name: parent
    config:
      contract: {enforced: true}
    constraints:
      - type: primary_key
        columns: [id, code]
      - type: unique
        columns: [name, code]
      - type: check
        expression: "id > 0"
        name: parent_id_positive
    columns:
      - name: id
        data_type: int
      - name: code
        data_type: text
      - name: name
        data_type: text
        constraints: [{type: not_null}]
  - name: child
    config:
      contract: {enforced: true}
    constraints:
      - type: foreign_key
        columns: [parent_id, parent_code]
        to: ref('parent')
        to_columns: [id, code]
      - type: check
        expression: "amount >= 0"
    columns:
      - name: id
        data_type: int
        constraints: [{type: primary_key}]
      - name: parent_id
        data_type: int
      - name: parent_code
        data_type: text
      - name: amount
        data_type: int
`,
};

const TABLES = 'models:\n  fk:\n    +materialized: table\n';

interface ConstraintRow {
  name: string;
  type: string;
  definition: string;
  validated: boolean;
  references: string | null;
}

/** Several CLI builds per test: PGlite on a busy machine needs more than the default minute. */
const SLOW = 240_000;

describeEachEngine('foreign keys between models across the table swap', (engine) => {
  const constraintsOf = (schema: string, table: string) =>
    withAdapter(engine.makeTarget(schema), (adapter) =>
      rows<ConstraintRow>(
        adapter,
        `select conname as name, contype::text as type, pg_get_constraintdef(oid) as definition, convalidated as validated,
                case when confrelid = 0 then null else confrelid::regclass::text end as "references"
         from pg_constraint where conrelid = $1::regclass and contype <> 'n' order by conname`,
        [`${quoteIdent(schema)}.${quoteIdent(table)}`],
      ),
    );
  const foreignKeyOf = async (schema: string) => (await constraintsOf(schema, 'child')).filter((c) => c.type === 'f');

  it('builds parent then child on an empty database, and rebuilds both, the parent alone and the child alone', async () => {
    const schema = uniqueSchema('fk');
    const dir = tinyProject('fk', engine.makeTarget(schema), FILES, TABLES);

    const first = await strata(['build', '--project-dir', dir]);
    expect(first.exitCode, first.output).toBe(0);
    // The foreign key's ref is a dependency: the parent was built first.
    const order = [...runResults(dir).values()].map((r) => ({ id: r.unique_id, started: r.timing.find((t) => t.name === 'execute')?.started_at ?? '' }));
    expect(order.sort((a, b) => a.started.localeCompare(b.started)).map((r) => r.id)).toEqual(['model.fk.parent', 'model.fk.child']);
    const manifest = (await import('node:fs')).readFileSync(`${dir}/target/manifest.json`, 'utf8');
    const document = JSON.parse(manifest);
    expect(document.nodes['model.fk.child'].depends_on.nodes).toEqual(['model.fk.parent']);
    // The model-level constraints are in manifest.json as dbt writes them, and it stays valid.
    expect(document.nodes['model.fk.child'].constraints).toEqual([
      { type: 'foreign_key', name: null, expression: null, warn_unenforced: true, warn_unsupported: true, to: "ref('parent')", to_columns: ['id', 'code'], columns: ['parent_id', 'parent_code'] },
      { type: 'check', name: null, expression: 'amount >= 0', warn_unenforced: true, warn_unsupported: true, to: null, to_columns: [], columns: [] },
    ]);
    expect(schemaErrors('manifest/v12', document)).toEqual([]);

    const parent = await constraintsOf(schema, 'parent');
    expect(parent.map((c) => [c.name, c.type])).toEqual([
      ['parent_id_positive', 'c'],
      ['parent_name_code_key', 'u'],
      ['parent_pkey', 'p'],
    ]);
    expect(parent.find((c) => c.type === 'p')!.definition).toBe('PRIMARY KEY (id, code)');
    const child = await constraintsOf(schema, 'child');
    expect(child.map((c) => [c.name, c.type])).toEqual([
      ['child_check', 'c'],
      ['child_parent_id_parent_code_fkey', 'f'],
      ['child_pkey', 'p'],
    ]);
    const key = (await foreignKeyOf(schema))[0]!;
    expect(key.definition).toMatch(/^FOREIGN KEY \(parent_id, parent_code\) REFERENCES .*parent\(id, code\)$/);
    expect(key.references).toMatch(/(^|\.)parent$/);
    expect(key.validated).toBe(true);

    for (const args of [[], ['--select', 'parent'], ['--select', 'child'], ['--select', 'parent+']]) {
      const again = await strata(['build', '--project-dir', dir, ...args]);
      expect(again.exitCode, `build ${args.join(' ')}\n${again.output}`).toBe(0);
      expect(again.output).not.toMatch(/2BP01|strata_old/);
      const keys = await foreignKeyOf(schema);
      expect(keys, `after build ${args.join(' ')}`).toHaveLength(1);
      expect(keys[0]).toMatchObject({ name: 'child_parent_id_parent_code_fkey', validated: true });
      expect(keys[0]!.references).toMatch(/(^|\.)parent$/);
    }

    // The key is enforced against the current parent, not a dropped copy of it.
    const violation = await withAdapter(engine.makeTarget(schema), (adapter) =>
      adapter.query(`insert into ${quoteIdent(schema)}.child values (12, 99, 'z', 1)`).then(
        () => 'inserted',
        (error: { code?: string }) => error.code,
      ),
    );
    expect(violation).toBe('23503');
  }, SLOW);

  it("a parent rebuilt without a key the child's rows use keeps the key unvalidated until the child is rebuilt", async () => {
    const schema = uniqueSchema('fk_gone');
    const dir = tinyProject('fk', engine.makeTarget(schema), FILES, TABLES);
    expect((await strata(['build', '--project-dir', dir])).exitCode).toBe(0);

    const parentOnly = await strata(['build', '--project-dir', dir, '--select', 'parent', '--vars', '{drop_b: true}']);
    expect(parentOnly.exitCode, parentOnly.output).toBe(0);
    expect(parentOnly.output).toContain('foreign key child_parent_id_parent_code_fkey of');
    expect(parentOnly.output).toContain('is kept but not validated');
    expect(await foreignKeyOf(schema)).toMatchObject([{ name: 'child_parent_id_parent_code_fkey', validated: false }]);

    const childToo = await strata(['build', '--project-dir', dir, '--select', 'child', '--vars', '{drop_b: true}']);
    expect(childToo.exitCode, childToo.output).toBe(0);
    expect(await foreignKeyOf(schema)).toMatchObject([{ name: 'child_parent_id_parent_code_fkey', validated: true }]);
  }, SLOW);

  it('a model-level constraint naming a column outside the contract stops the model before it is built', async () => {
    const schema = uniqueSchema('fk_bad');
    const dir = tinyProject('fk', engine.makeTarget(schema), {
      ...FILES,
      'models/_models.yml': FILES['models/_models.yml'].replace('columns: [name, code]', 'columns: [name, colour]'),
    }, TABLES);
    const result = await strata(['build', '--project-dir', dir, '--select', 'parent']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toContain("model 'parent': its unique constraint names 'colour', not in its contract");
    expect(result.output).toContain('STR433');
  }, SLOW);

  it('constraints on a model without an enforced contract are a warning naming the model', async () => {
    const schema = uniqueSchema('fk_warn');
    const dir = tinyProject('fk', engine.makeTarget(schema), {
      ...FILES,
      'models/_models.yml': FILES['models/_models.yml'].replace(/ {6}contract: \{enforced: true\}\n/, '      contract: {enforced: false}\n'),
    }, TABLES);
    const result = await strata(['compile', '--project-dir', dir]);
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toMatch(/warning\s+STR148\s+the constraints of model 'parent' are not applied: its contract is not enforced/);
  }, SLOW);
});
