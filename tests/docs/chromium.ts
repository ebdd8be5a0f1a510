/**
 * A real headless Chromium for the docs site suites, driven by playwright-core. The browser is the
 * system's (Debian's `chromium` package; `.ci/run` installs it): the suites are skipped with a visible
 * reason where none is found, and fail in CI (process.env.CI), as the Postgres suites do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const PLACES = ['/usr/bin/chromium', '/usr/lib/chromium/chromium', '/snap/bin/chromium', '/usr/bin/google-chrome'];

/** `STRATA_CHROMIUM`, else the first of the usual names on PATH, else the usual paths. */
export function findChromium(): string | undefined {
  const given = process.env.STRATA_CHROMIUM;
  if (given) return fs.existsSync(given) ? given : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of NAMES) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return PLACES.find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** `describe` with the Chromium path, skipped (with the reason in its title) when there is none, failing in CI. */
export function describeWithChromium(title: string, fn: (executablePath: string) => void): void {
  const executablePath = findChromium();
  if (executablePath) {
    describe(title, () => fn(executablePath));
    return;
  }
  const reason = 'no Chromium found (install the chromium package, or set STRATA_CHROMIUM)';
  if (process.env.CI) {
    describe(title, () => {
      it('needs Chromium in CI', () => {
        throw new Error(`${reason}; the browser suites are mandatory in CI`);
      });
    });
    return;
  }
  console.warn(`\n[strata tests] ${title}: skipped, ${reason}\n`);
  describe.skip(`${title} (skipped: ${reason})`, () => fn(''));
}
