#!/usr/bin/env node
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/bundle/cli/strata.cjs', import.meta.url));

/**
 * The program: the bundle of `npm run build` (one file instead of about 290 modules) when it is at least
 * as new as the compiled modules in dist/compiler/, otherwise those (after a `tsc` run on its own).
 */
async function loadMain() {
  try {
    if (statSync(bundle).mtimeMs >= statSync(new URL('../dist/compiler/cli/main.js', import.meta.url)).mtimeMs) return runBundle();
  } catch {
    // No bundle: the modules.
  }
  return (await import('../dist/compiler/cli/main.js')).main;
}

/**
 * Compiles the bundle with V8's code cache of the same command's earlier runs (dist/bundle/cli/cache/),
 * so the functions that command ran are not parsed and compiled again; the first run of a command, or
 * one whose cache V8 refused (another Node), writes the cache when it ends.
 *
 * V8 takes a cache only under the flags it was made with, and the program sets one as it runs: PGlite's
 * WebAssembly is compiled by Liftoff alone for a small data directory (compiler/adapters/pglite/
 * startup-profile.ts). Made at the end of an embedded run, the cache was refused by every later run,
 * which compiled the whole bundle again and rewrote the cache. So the setting is made here, before the
 * bundle is compiled, and again before the cache is written: every run reads and writes under the same.
 */
function runBundle() {
  const flags = process.env.STRATA_PGLITE_TIER_UP === '1' ? '--no-liftoff-only' : '--liftoff-only';
  setFlagsFromString(flags);
  const dynamicImport = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  const require = createRequire(bundle);
  if (dynamicImport === undefined) return require(bundle).main;
  const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'))?.replace(/[^a-z-]/g, '') || 'none';
  const cacheFile = join(dirname(bundle), 'cache', `${command}.v8`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(bundle, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: dynamicImport,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, bundle, dirname(bundle));
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('beforeExit', () => {
      try {
        setFlagsFromString(flags);
        mkdirSync(dirname(cacheFile), { recursive: true });
        const temporary = `${cacheFile}.${process.pid}`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
      } catch {
        // A read-only install: every run compiles the bundle, as without a cache.
      }
    });
  }
  return module.exports.main;
}

const main = await loadMain();

// `strata ls | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
