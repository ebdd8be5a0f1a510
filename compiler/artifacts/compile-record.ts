/**
 * What the last `strata compile` wrote to target/, and from what: a digest of its inputs (the project's
 * files, configuration, target and vars; the command's selection; Strata's own build), the environment
 * variables its templates read, and what it printed. When the next compile finds the same inputs, the
 * same variables and its output files untouched, its result would be the same bytes: it reuses them and
 * only stamps the artifacts with the new invocation, as dbt's partial parsing reuses a parsed project. A
 * compile whose templates read the clock or the invocation id, or printed a line, leaves no record.
 */
import { hash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { sameEnvironment } from '../render/render-scope.js';
import { writeFileAtomic } from '../project/project-files.js';

export const COMPILE_RECORD_FILE = '.strata-compile.json';
const RECORD_VERSION = 1;
/** The artifacts a compile writes besides compiled/, each stamped with its invocation. */
const STAMPED = ['manifest.json', 'strata_state.json'];

export interface CompileRecord {
  version: number;
  key: string;
  /** Environment variables the templates read, with their values then (null: not set). */
  env: Record<string, string | null>;
  /** What the compile printed after the project's own warnings: parse and selection warnings. */
  warnings: Diagnostic[];
  /** The `Found 20 models, ...` line, and how many nodes were compiled. */
  found: string;
  count: number;
  /** The stamped artifacts as left by the compile: a file edited or replaced since is written again. */
  files: Record<string, { size: number; mtimeMs: number }>;
  /**
   * The folders of compiled/ that hold the compiled files, with their times: a file deleted or added
   * there since changes its folder's time. (Strata's own writers of compiled/ remove the record first.)
   */
  folders: Record<string, number>;
}

/** What a compile tells the record; the version and the artifacts' stats are added when it is written. */
export type RecordedCompile = Omit<CompileRecord, 'version' | 'files' | 'folders'> & { compiled: string[] };

/**
 * The inputs of a compile, as one digest: the project's (projectDigest), the options that choose what is
 * compiled, the `--state` artifacts read, and the program (programIdentity: a new build of Strata compiles anew).
 */
export function compileKey(projectDigest: string, program: string, options: { select?: string[]; exclude?: string[]; state?: string }): string {
  const state = options.state ? ['manifest.json', 'strata_state.json'].map((file) => contentDigest(join(options.state!, file))) : [];
  return hash('sha256', JSON.stringify([RECORD_VERSION, projectDigest, options.select ?? null, options.exclude ?? null, state, program]), 'hex');
}

export function readCompileRecord(targetDir: string): CompileRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(targetDir, COMPILE_RECORD_FILE), 'utf8')) as CompileRecord;
    return record.version === RECORD_VERSION ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `record` still describes target/ for a compile with `key`: same inputs, the same values of the
 * environment variables its templates read, its artifacts unchanged and every compiled file present.
 */
export function recordHolds(record: CompileRecord, key: string, targetDir: string, env: NodeJS.ProcessEnv): boolean {
  if (record.key !== key) return false;
  if (!sameEnvironment(record.env, env)) return false;
  for (const [file, seen] of Object.entries(record.files)) {
    const now = statOrUndefined(join(targetDir, file));
    if (!now || now.size !== seen.size || now.mtimeMs !== seen.mtimeMs) return false;
  }
  for (const [folder, mtimeMs] of Object.entries(record.folders)) if (statOrUndefined(join(targetDir, folder))?.mtimeMs !== mtimeMs) return false;
  return true;
}

/** Writes the record after a compile wrote its artifacts (their sizes and times are taken now). */
export function writeCompileRecord(targetDir: string, record: RecordedCompile): void {
  const { compiled, ...rest } = record;
  const folders: CompileRecord['folders'] = {};
  for (const file of compiled) {
    const folder = file.slice(0, file.lastIndexOf('/'));
    folders[folder] ??= statSync(join(targetDir, folder)).mtimeMs;
  }
  writeRecordFile(targetDir, { version: RECORD_VERSION, ...rest, files: artifactStats(targetDir), folders });
}

/**
 * Stamps the reused artifacts with this invocation: `generated_at` and `invocation_id` in their metadata
 * (at the top of each file) are overwritten in place, value for value of the same length, instead of
 * writing tens of megabytes again. Returns false when a file does not have the expected shape (then
 * the caller compiles as usual).
 */
export function stampArtifacts(targetDir: string, generatedAt: string, invocationId: string): boolean {
  const patches: { fd: number; writes: { at: number; text: string }[] }[] = [];
  try {
    for (const file of STAMPED) {
      const fd = openSync(join(targetDir, file), 'r+');
      patches.push({ fd, writes: [] });
      const head = Buffer.alloc(1024);
      const text = head.toString('latin1', 0, readSync(fd, head, 0, head.length, 0));
      const writes = patches[patches.length - 1]!.writes;
      for (const [field, value] of [['generated_at', generatedAt], ['invocation_id', invocationId]] as const) {
        const match = new RegExp(`"${field}":"([^"]*)"`).exec(text);
        if (!match || match[1]!.length !== value.length) return false;
        writes.push({ at: match.index + field.length + 4, text: value });
      }
    }
    for (const { fd, writes } of patches) for (const { at, text } of writes) writeSync(fd, text, at, 'latin1');
    return true;
  } finally {
    for (const { fd } of patches) closeSync(fd);
  }
}

/** After stampArtifacts: the record again, with the artifacts' new times. */
export function stampRecord(targetDir: string, record: CompileRecord): void {
  writeRecordFile(targetDir, { ...record, files: artifactStats(targetDir) });
}

function writeRecordFile(targetDir: string, record: CompileRecord): void {
  writeFileAtomic(join(targetDir, COMPILE_RECORD_FILE), JSON.stringify(record));
}

function artifactStats(targetDir: string): CompileRecord['files'] {
  const files: CompileRecord['files'] = {};
  for (const file of STAMPED) {
    const stat = statOrUndefined(join(targetDir, file));
    if (stat) files[file] = { size: stat.size, mtimeMs: stat.mtimeMs };
  }
  return files;
}

function statOrUndefined(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function contentDigest(file: string): string {
  try {
    return hash('sha1', readFileSync(file), 'hex');
  } catch {
    return 'absent';
  }
}
