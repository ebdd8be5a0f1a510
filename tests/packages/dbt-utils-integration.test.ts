/**
 * dbt_utils 1.4.1's own integration project, run as its CI runs it and unmodified:
 * `strata deps && strata build --target <engine> --full-refresh` in `integration_tests/`, with
 * DBT_PROFILES_DIR=. and the environment its postgres.env names. The package and its project are test
 * input from ../shared; only profiles.yml (which the package keeps out of its repository) is written here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { describeEachEngine, uniqueSchema } from '../support/engines.js';
import { copyDbtUtilsProject, dbtUtilsEnv } from '../support/dbt-utils-project.js';
import { strata } from '../support/strata-cli.js';
import { schemaErrors } from '../artifacts/dbt-schemas.js';

describeEachEngine('dbt_utils integration project', (engine) => {
  let project: string;
  let env: Record<string, string>;

  beforeAll(() => {
    ({ project } = copyDbtUtilsProject('strata-dbt-utils-'));
    env = dbtUtilsEnv(uniqueSchema('dbt_utils'));
  });

  it('strata deps installs dbt_utils from local: ../', async () => {
    // As its CI runs it: from integration_tests/, with DBT_PROFILES_DIR=. (relative to the working directory).
    const deps = await strata(['deps'], { env, cwd: project });
    expect(deps.output).toContain('dbt_utils');
    expect(deps.exitCode).toBe(0);
    expect(fs.existsSync(path.join(project, 'dbt_packages/dbt_utils/dbt_project.yml'))).toBe(true);
  });

  it('strata build --full-refresh: every seed, model and test passes', { timeout: 600_000 }, async () => {
    const build = await strata(['build', '--target', engine.name, '--full-refresh'], { env, cwd: project, timeoutMs: 590_000 });
    if (build.exitCode !== 0) console.log(build.output.split('\n').filter((l) => /ERROR|FAIL|error/.test(l)).slice(0, 80).join('\n'));
    expect(build.output).toMatch(/ERROR=0 SKIP=0 TOTAL=237\b/);
    const run = JSON.parse(fs.readFileSync(path.join(project, 'target/run_results.json'), 'utf8')) as { results: { unique_id: string; status: string }[] };
    const byType = new Map<string, number>();
    for (const r of run.results) {
      const type = r.unique_id.split('.')[0]!;
      byType.set(type, (byType.get(type) ?? 0) + 1);
    }
    // Every node of the project ran: its 75 seeds, 50 of its 51 models (one is ephemeral, inlined where
    // it is used) and 112 data tests (the YAML entry of a model that does not exist has none, as in dbt).
    expect(Object.fromEntries(byType)).toEqual({ seed: 75, model: 50, test: 112 });
    expect(run.results.filter((r) => r.status !== 'success' && r.status !== 'pass')).toEqual([]);
    expect(build.exitCode).toBe(0);
    // The artifacts are dbt's: valid against its schemas, with package macros and nodes.
    expect(schemaErrors('run-results/v6', run)).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'target/manifest.json'), 'utf8')) as { macros: Record<string, unknown> };
    expect(schemaErrors('manifest/v12', manifest)).toEqual([]);
    expect(Object.keys(manifest.macros)).toContain('macro.dbt_utils.star');
  });

  it('builds again over its own relations: seeds read by one view swap in turn (threads 5 on Postgres)', { timeout: 600_000 }, async () => {
    const again = await strata(['build', '--target', engine.name, '--full-refresh'], { env, cwd: project, timeoutMs: 590_000 });
    expect(again.output).toMatch(/ERROR=0 SKIP=0 TOTAL=237\b/);
    expect(again.output).not.toMatch(/40P01|could not open relation/);
    expect(again.exitCode).toBe(0);
  });
});
