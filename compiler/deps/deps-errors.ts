/**
 * The STR6xx family: `strata deps`. Every error names the packages.yml (or package-lock.yml) entry
 * that asked for the package, so the user knows which line to change.
 */
import { StrataError } from '../diagnostics/strata-error.js';

export const DEPS_CODES = {
  invalidYaml: 'STR600',
  invalidEntry: 'STR601',
  localNotFound: 'STR602',
  gitUnreachable: 'STR603',
  gitUnknownRevision: 'STR604',
  subdirectoryMissing: 'STR605',
  hubUnreachable: 'STR606',
  hubUnknownPackage: 'STR607',
  noVersion: 'STR608',
  brokenPackage: 'STR609',
  duplicateName: 'STR610',
  tarballInvalid: 'STR611',
  gitRevisionConflict: 'STR612',
  installFailed: 'STR613',
  unpinned: 'STR614',
  bothFiles: 'STR615',
} as const;

/** Where a package was asked for: a file relative to the root project, 1-based line and column. */
export interface DeclaredAt {
  file: string;
  line: number;
  column: number;
}

export function depsError(code: string, message: string, at: DeclaredAt | undefined, hint?: string): StrataError {
  return new StrataError({ code, message, ...(at ?? {}), hint });
}
