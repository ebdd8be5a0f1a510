import { hash as digest } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { COMPILE_RECORD_FILE } from '../artifacts/compile-record.js';
import { dbtManifestMembers } from '../artifacts/dbt-manifest.js';
import type { ArtifactContext } from '../artifacts/dbt-node.js';
import { dbtRunResults } from '../artifacts/dbt-run-results.js';
import { writeJsonStream } from '../artifacts/json-stream.js';
import { RUN_EXTRAS_FILE, STATE_FILE, strataRunExtras, strataStateMembers } from '../artifacts/strata-state.js';
import type { ManifestNode, Manifest } from '../manifest/types.js';
import type { NodeResult } from './events.js';
import { fileDigest } from '../project/file-digest.js';

/** What the artifacts say about the target and the invocation; unknown parts are written as null. */
export type TargetInfo = Partial<Pick<ArtifactContext, 'adapterType' | 'database' | 'invocationId' | 'macroSql'>>;

/**
 * The writers of target/: manifest.json and run_results.json in dbt's shapes (with Strata's own fields
 * in strata_state.json and strata_run_results.json), compiled/ and run/ (as dbt lays them out).
 * Generic tests, which have no file of their own, are written as `<yaml path>/<test name>.sql`.
 */
export class TargetWriter {
  readonly dir: string;
  private readonly targetPath: string;
  constructor(
    private readonly root: string,
    targetPath: string,
    private readonly projectName: string,
    private readonly info: TargetInfo = {},
  ) {
    this.dir = join(root, targetPath);
    this.targetPath = targetPath.replace(/\/+$/, '');
  }

  /** `<kind>/<project>/<node path>`, relative to the target directory (string joins: 10,000 path.join calls show in profiles). */
  private nodeKey(kind: 'compiled' | 'run', node: ManifestNode): string {
    const path = node.test?.position || node.unitTest ? `${node.path}/${node.name}.sql` : node.path;
    return `${kind}/${this.projectName}/${path}`;
  }

  private nodeFile(kind: 'compiled' | 'run', node: ManifestNode): string {
    return `${this.dir}/${this.nodeKey(kind, node)}`;
  }

  /**
   * Writes the compiled SQL; returns its path relative to the project root. A file that the previous
   * run wrote with the same text (by the index in compiled/) is not written again: after an edit, only a
   * few of thousands of files change, and writing is what costs.
   */
  writeCompiled(node: ManifestNode, sql: string): string {
    this.compiled.set(node.id, sql);
    const key = this.nodeKey('compiled', node);
    const file = `${this.dir}/${key}`;
    const text = sql.endsWith('\n') ? sql : `${sql}\n`;
    const hash = digest('sha1', text, 'base64');
    const index = this.compiledIndex();
    if (index.previous[key] !== hash) {
      writeFile(file, text);
      index.next[key] = hash;
      index.dirty = true;
    } else if (!this.fileExists(file)) {
      writeFile(file, text);
    }
    return `${this.targetPath}/${key}`;
  }

  private readonly listings = new Map<string, Set<string>>();

  /** Whether a file is there, by one listing per directory (a stat per file costs more at 10,000 files). */
  private fileExists(file: string): boolean {
    const dir = dirname(file);
    let names = this.listings.get(dir);
    if (!names) {
      try {
        names = new Set(readdirSync(dir));
      } catch {
        names = new Set();
      }
      this.listings.set(dir, names);
    }
    return names.has(basename(file));
  }

  private index: { previous: Record<string, string>; next: Record<string, string>; dirty: boolean } | undefined;

  private compiledIndex() {
    if (!this.index) {
      this.forgetCompileRecord();
      let previous: Record<string, string> = {};
      try {
        previous = JSON.parse(readFileSync(join(this.dir, 'compiled', INDEX_FILE), 'utf8')) as Record<string, string>;
      } catch {
        previous = {};
      }
      // One object for both: each key is looked up before it is overwritten, and copying 10,000 keys showed.
      this.index = { previous, next: previous, dirty: false };
    }
    return this.index;
  }

  private recordForgotten = false;

  /** target/ is about to change: the last compile's record no longer describes it (compile-record.ts). */
  private forgetCompileRecord(): void {
    if (this.recordForgotten) return;
    rmSync(join(this.dir, COMPILE_RECORD_FILE), { force: true });
    this.recordForgotten = true;
  }

  /** Saves the index of compiled files (call once at the end of a command), if a file's text changed. */
  flush(): void {
    if (this.index?.dirty) writeFile(join(this.dir, 'compiled', INDEX_FILE), JSON.stringify(this.index.next));
  }

  writeRun(node: ManifestNode, sql: string): void {
    writeFile(this.nodeFile('run', node), sql);
  }

  /** The compiled SQL of each node this writer wrote to compiled/: manifest.json and run_results.json carry it. */
  private readonly compiled = new Map<string, string>();

  /** The manifest last written (run_results.json names relations from it). */
  private manifest: Manifest | undefined;

  /** manifest.json (dbt's v12) and strata_state.json. Write it after a run, so compiled code is in it. */
  writeManifest(manifest: Manifest, fingerprints?: ReadonlyMap<string, string>): void {
    this.forgetCompileRecord();
    this.manifest = manifest;
    const context = this.context();
    const compiledPath = (node: ManifestNode) => `${this.targetPath}/${this.nodeKey('compiled', node)}`;
    writeJsonStream(join(this.dir, 'manifest.json'), dbtManifestMembers(manifest, context, compiledPath, this.compiled));
    writeJsonStream(join(this.dir, STATE_FILE), strataStateMembers(manifest, context.generatedAt, context.invocationId, fingerprints));
  }

  /** run_results.json (dbt's v6, with the invocation's `args`) and strata_run_results.json. */
  writeRunResults(results: NodeResult[], elapsed: number, command: string, invocationId: string, manifest = this.manifest, args: Record<string, unknown> = {}): void {
    const context = { ...this.context(), invocationId };
    writeFile(join(this.dir, 'run_results.json'), JSON.stringify(dbtRunResults(results, elapsed, command, context, manifest, this.compiled, args), null, 2));
    writeFile(join(this.dir, RUN_EXTRAS_FILE), JSON.stringify(strataRunExtras(results, invocationId)));
  }

  private context(): ArtifactContext {
    return {
      projectName: this.projectName,
      targetPath: this.targetPath,
      adapterType: this.info.adapterType ?? null,
      database: this.info.database ?? null,
      invocationId: this.info.invocationId ?? null,
      generatedAt: new Date().toISOString(),
      macroSql: this.info.macroSql,
      seedChecksum: (node) => this.seedChecksum(node),
    };
  }

  /** dbt's checksum of a seed: sha256 of the CSV file, streamed (seeds may be large). */
  private seedChecksum(node: ManifestNode): string | undefined {
    try {
      return fileDigest(this.root, node.path, 'sha256');
    } catch {
      return undefined;
    }
  }
}

const madeDirs = new Set<string>();

const INDEX_FILE = '.strata-index.json';

function writeFile(file: string, text: string): void {
  makeDirOf(file);
  writeFileSync(file, text);
}

function makeDirOf(file: string): void {
  const dir = dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
}
