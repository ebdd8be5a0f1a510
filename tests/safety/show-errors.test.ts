/**
 * A failing query in `strata show` is the user's SQL failing, not an internal error: the SQLSTATE and
 * a hint, exit 1, no stack trace.
 */
import { expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { projectOn, strata } from '../engine/cli.js';

describeEachEngine('strata show with a failing query', (engine) => {
  it('select 1/0: STR440 with 22012, exit 1, no stack trace', async () => {
    await engine.closeSharedAdapter();
    const dir = projectOn('safety', engine.makeIsolatedTarget(uniqueSchema('show')));
    const result = await strata(['show', '--project-dir', dir, '--inline', 'select 1/0']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(/error STR440\s+the query failed 22012: division by zero/);
    expect(result.output).not.toMatch(/STR000|internal error|\n\s+at /);
  });

  it('an unknown column names its line and column in the inline query', async () => {
    const dir = projectOn('safety', engine.makeIsolatedTarget(uniqueSchema('show')));
    const result = await strata(['show', '--project-dir', dir, '--inline', 'select\n  nope\nfrom (select 1 as id) t']);
    expect(result.exitCode, result.output).toBe(1);
    expect(result.output).toMatch(/STR440\s+the query failed 42703: column "nope" does not exist/);
    expect(result.output).toMatch(/line 2, column 3/);
  });
});
