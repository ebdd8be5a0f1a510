#!/usr/bin/env node
import { main } from '../dist/compiler/cli/main.js';

// `strata ls | head`: a closed pipe ends the output, not the process with a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
