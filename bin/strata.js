#!/usr/bin/env node
import { statSync } from 'node:fs';

/**
 * The bundle of `npm run build` (dist/bundle/cli/, a few files instead of about 290 modules) when it is
 * at least as new as the compiled modules in dist/compiler/; otherwise those (a `tsc` run on its own).
 */
function entry() {
  try {
    const bundled = statSync(new URL('../dist/bundle/cli/main.js', import.meta.url)).mtimeMs;
    if (bundled >= statSync(new URL('../dist/compiler/cli/main.js', import.meta.url)).mtimeMs) return '../dist/bundle/cli/main.js';
  } catch {
    // No bundle: the modules.
  }
  return '../dist/compiler/cli/main.js';
}

const { main } = await import(entry());

// `strata ls | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
