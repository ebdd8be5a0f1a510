import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strata } from '../support/strata-cli.js';
import { installed, makeProject, packageFiles, startHub, writeFiles } from './deps-fixtures.js';

// Runs dist/: `npx tsc -p tsconfig.build.json` first (npm test does it in pretest).
let hub: Awaited<ReturnType<typeof startHub>>;

beforeAll(async () => {
  hub = await startHub();
  hub.publish('dbt-labs/dbt_utils', '1.4.1', { files: packageFiles('dbt_utils') });
});

afterAll(() => hub.close());

describe('strata deps (CLI)', () => {
  it('installs, prints one line per package, and exits 0', async () => {
    const project = makeProject('packages:\n  - local: pkgs/mine\n  - package: dbt-labs/dbt_utils\n    version: [">=1.0.0", "<2.0.0"]\n');
    writeFiles(path.join(project, 'pkgs/mine'), packageFiles('my_pkg'));
    const result = await strata(['deps', '--project-dir', project], { env: { DBT_PACKAGE_HUB_URL: hub.url } });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Installed my_pkg (local, symlink)');
    expect(result.stdout).toContain('Installed dbt_utils 1.4.1 (hub)');
    expect(installed(project)).toEqual(['dbt_utils', 'my_pkg']);

    const again = await strata(['deps', '--project-dir', project, '--log-format', 'json'], { env: { DBT_PACKAGE_HUB_URL: hub.url } });
    expect(again.exitCode).toBe(0);
    const lines = again.stdout.trim().split('\n').map((line) => JSON.parse(line) as { message?: string });
    expect(lines.map((line) => line.message)).toContain('Installed dbt_utils 1.4.1 (hub)');
  });

  it('--lock writes package-lock.yml and installs nothing', async () => {
    const project = makeProject('packages:\n  - local: pkgs/mine\n');
    writeFiles(path.join(project, 'pkgs/mine'), packageFiles('my_pkg'));
    const result = await strata(['deps', '--lock', '--project-dir', project]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Wrote package-lock.yml (1 package)');
    expect(existsSync(path.join(project, 'package-lock.yml'))).toBe(true);
    expect(installed(project)).toEqual([]);
  });

  it('exits 2 with the error at its place in packages.yml', async () => {
    const project = makeProject('packages:\n  - local: pkgs/missing\n');
    const result = await strata(['deps', '--project-dir', project]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('packages.yml:2:5');
    expect(result.stderr).toContain('STR602');
    expect(installed(project)).toEqual([]);
  });

  it('exits 2 on an unknown option', async () => {
    const result = await strata(['deps', '--upgrayed']);
    expect(result.exitCode).toBe(2);
  });
});
