import { hash as digest } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ManifestNode, Manifest } from '../manifest/types.js';
import type { NodeResult } from './events.js';

/**
 * The writers of target/: manifest.json, run_results.json, compiled/ and run/ (as dbt lays them out).
 * Generic tests, which have no file of their own, are written as `<yaml path>/<test name>.sql`.
 */
export class TargetWriter {
  readonly dir: string;
  private readonly targetPath: string;
  constructor(
    root: string,
    targetPath: string,
    private readonly projectName: string,
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
    const key = this.nodeKey('compiled', node);
    const file = `${this.dir}/${key}`;
    const text = sql.endsWith('\n') ? sql : `${sql}\n`;
    const hash = digest('sha1', text, 'base64');
    const index = this.compiledIndex();
    if (index.previous[key] !== hash || !this.fileExists(file)) writeFile(file, text);
    index.next[key] = hash;
    index.dirty = true;
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

  /** Saves the index of compiled files (call once at the end of a command). */
  flush(): void {
    if (this.index?.dirty) writeFile(join(this.dir, 'compiled', INDEX_FILE), JSON.stringify(this.index.next));
  }

  writeRun(node: ManifestNode, sql: string): void {
    writeFile(this.nodeFile('run', node), sql);
  }

  writeManifest(manifest: Manifest): void {
    writeJsonInChunks(join(this.dir, 'manifest.json'), { metadata: { generator: 'strata' }, ...manifest }, MANIFEST_SPLIT_KEYS);
  }

  writeRunResults(results: NodeResult[], elapsed: number, command: string, invocationId: string): void {
    const document = {
      metadata: { generator: 'strata', generated_at: new Date().toISOString(), invocation_id: invocationId, command },
      elapsed_time: elapsed,
      results: results.map((r) => ({
        unique_id: r.id,
        status: r.status,
        message: r.message,
        execution_time: r.executionTime,
        timing: [{ name: 'execute', started_at: r.startedAt, completed_at: r.completedAt }],
        adapter_response: r.rowsAffected === undefined ? {} : { rows_affected: r.rowsAffected },
        failures: r.failures ?? null,
        relation_name: r.relation ?? null,
        compiled_path: r.compiledPath ?? null,
        error: r.error ?? null,
      })),
    };
    writeFile(join(this.dir, 'run_results.json'), JSON.stringify(document, null, 2));
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

const MANIFEST_SPLIT_KEYS: ReadonlySet<string> = new Set(['nodes', 'sources']);
const CHUNK_BYTES = 1 << 20;

/**
 * Writes exactly `JSON.stringify(document)` to `file`, without ever holding it as one string: the
 * members of the objects under `splitKeys` are stringified one at a time and written in chunks of
 * 1 MB. At 10,000 models manifest.json is 17 MB; as one string, then one 17 MB Buffer of fresh memory,
 * its write took five times as long.
 */
function writeJsonInChunks(file: string, document: Record<string, unknown>, splitKeys: ReadonlySet<string>): void {
  makeDirOf(file);
  const fd = openSync(file, 'w');
  try {
    // Texts are encoded straight into one reused buffer (appending them to a string, then encoding
    // that, spent most of the time flattening the string).
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    const writeAll = (bytes: Buffer, length: number) => {
      for (let written = 0; written < length; ) written += writeSync(fd, bytes, written, length - written);
    };
    const flush = () => {
      writeAll(buffer, used);
      used = 0;
    };
    const emit = (text: string) => {
      // A UTF-16 code unit takes at most 3 bytes in UTF-8, so `text` fits whole (write() never splits a character).
      if (used + text.length * 3 > CHUNK_BYTES) flush();
      if (text.length * 3 > CHUNK_BYTES) {
        const bytes = Buffer.from(text, 'utf8');
        writeAll(bytes, bytes.length);
      } else {
        used += buffer.write(text, used, 'utf8');
      }
    };
    let separator = '{';
    for (const key of Object.keys(document)) {
      const value = document[key];
      if (splitKeys.has(key) && isPlainObject(value)) {
        emit(`${separator}${JSON.stringify(key)}:`);
        let memberSeparator = '{';
        for (const member of Object.keys(value)) {
          const text = JSON.stringify(value[member]) as string | undefined;
          if (text === undefined) continue;
          emit(`${memberSeparator}${JSON.stringify(member)}:${text}`);
          memberSeparator = ',';
        }
        emit(memberSeparator === '{' ? '{}' : '}');
      } else {
        const text = JSON.stringify(value) as string | undefined;
        if (text === undefined) continue;
        emit(`${separator}${JSON.stringify(key)}:${text}`);
      }
      separator = ',';
    }
    emit(separator === '{' ? '{}' : '}');
    flush();
  } finally {
    closeSync(fd);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}
