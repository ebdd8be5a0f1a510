/**
 * Vitest global setup: runs once per `vitest run`, before any test file.
 * - prepares the PGlite template data directory (see pglite-template.ts);
 * - finds or starts a Postgres server (see postgres-server.ts); without one, the Postgres suites are
 *   skipped and this says why, unless STRATA_REQUIRE_POSTGRES=1 makes it a failure.
 * Test files read the results with `inject()` (see engines.ts).
 */
import type { TestProject } from 'vitest/node';
import { preparePgliteTemplate } from './pglite-template.js';
import { startTestPostgres } from './postgres-server.js';
import './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engines = process.env.STRATA_TEST_ENGINES?.split(',').map((name) => name.trim()).filter(Boolean);
  const wantsPostgres = !engines?.length || engines.includes('postgres');
  const [template, postgres] = await Promise.all([
    preparePgliteTemplate(),
    wantsPostgres
      ? startTestPostgres()
      : Promise.resolve({ available: false as const, reason: `STRATA_TEST_ENGINES=${process.env.STRATA_TEST_ENGINES}` }),
  ]);
  project.provide('pgliteTemplateDir', template);
  if (postgres.available) {
    project.provide('postgresUrl', postgres.url);
    project.provide('postgresSkipReason', '');
  } else {
    if (process.env.STRATA_REQUIRE_POSTGRES === '1' && wantsPostgres) {
      throw new Error(`STRATA_REQUIRE_POSTGRES=1 but no Postgres server: ${postgres.reason}`);
    }
    console.warn(`\n[strata tests] Postgres suites are skipped: ${postgres.reason}\n`);
    project.provide('postgresUrl', '');
    project.provide('postgresSkipReason', postgres.reason);
  }
  return async () => {
    if (postgres.available) await postgres.stop();
  };
}
