import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ManifestNode, Manifest } from '../manifest/types.js';
import type { NodeResult } from './events.js';

/**
 * The writers of target/: manifest.json, run_results.json, compiled/ and run/ (as dbt lays them out).
 * Generic tests, which have no file of their own, are written as `<yaml path>/<test name>.sql`.
 */
export class TargetWriter {
  readonly dir: string;
  constructor(
    private readonly root: string,
    targetPath: string,
    private readonly projectName: string,
  ) {
    this.dir = join(root, targetPath);
  }

  private nodeFile(kind: 'compiled' | 'run', node: ManifestNode): string {
    const path = node.test?.position ? `${node.path}/${node.name}.sql` : node.path;
    return join(this.dir, kind, this.projectName, path);
  }

  /** Writes the compiled SQL; returns its path relative to the project root. */
  writeCompiled(node: ManifestNode, sql: string): string {
    const file = this.nodeFile('compiled', node);
    writeFile(file, sql.endsWith('\n') ? sql : `${sql}\n`);
    return relative(this.root, file);
  }

  writeRun(node: ManifestNode, sql: string): void {
    writeFile(this.nodeFile('run', node), sql);
  }

  writeManifest(manifest: Manifest): void {
    writeFile(join(this.dir, 'manifest.json'), JSON.stringify({ metadata: { generator: 'strata' }, ...manifest }));
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

function writeFile(file: string, text: string): void {
  const dir = dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  writeFileSync(file, text);
}
