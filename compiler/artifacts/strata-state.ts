/**
 * What Strata keeps beyond dbt's fields, in files of its own beside dbt's artifacts:
 * - `strata_state.json` (written with manifest.json): each node's fingerprint (what `state:modified`
 *   and watch compare) and the file positions of its refs, sources and YAML entry;
 * - `strata_run_results.json` (written with run_results.json): each result's error with its file and
 *   line, where its compiled SQL was written, sample failing rows.
 * dbt's own files stay valid against dbt's schemas; tools that know nothing of Strata ignore these.
 */
import { readFileSync } from 'node:fs';
import type { Manifest, SourcePosition } from '../manifest/types.js';
import type { NodeResult } from '../run/events.js';
import { RawJson, StreamedObject } from './json-stream.js';

export const STATE_FILE = 'strata_state.json';
export const RUN_EXTRAS_FILE = 'strata_run_results.json';
const STATE_VERSION = 1;

/** One node's entry in strata_state.json. */
export interface StrataNodeState {
  fingerprint?: string | null;
  /** A generic test's or unit test's YAML entry. */
  yaml_position?: SourcePosition;
}

export interface StrataState {
  metadata: { strata_state_version: number; generated_at: string; invocation_id: string | null };
  nodes: Record<string, StrataNodeState>;
  sources: Record<string, { loaded_by?: string }>;
}

/** The members of strata_state.json, for the streaming writer. */
export function strataStateMembers(manifest: Manifest, generatedAt: string, invocationId: string | null, fingerprints?: ReadonlyMap<string, string>): [string, unknown][] {
  return [
    ['metadata', { strata_state_version: STATE_VERSION, generated_at: generatedAt, invocation_id: invocationId }],
    [
      'nodes',
      new StreamedObject(function* () {
        for (const id of Object.keys(manifest.nodes)) {
          const node = manifest.nodes[id]!;
          // Text, not objects: this runs for every node on every compile. Ref and source positions are
          // not kept: nothing reads them back, and at 10,000 models they cost a tenth of the write.
          let text = `{"fingerprint":${JSON.stringify(fingerprints?.get(id) ?? null)}`;
          const yaml = node.test?.position ?? node.unitTest?.position;
          if (yaml) text += `,"yaml_position":${JSON.stringify(yaml)}`;
          yield [id, new RawJson(`${text}}`)];
        }
      }),
    ],
    ['sources', new StreamedObject(() => Object.keys(manifest.sources).map((id) => [id, { loaded_by: manifest.sources[id]!.loadedBy }] as const))],
  ];
}

/** strata_run_results.json: per result, what run_results.json has no field for. */
export function strataRunExtras(results: readonly NodeResult[], invocationId: string | null): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  for (const r of results) {
    extras[r.id] = {
      compiled_path: r.compiledPath ?? null,
      error: r.error ?? null,
      rows_affected: r.rowsAffected ?? null,
      ...(r.sampleRows ? { sample_rows: r.sampleRows } : {}),
      ...(r.unitDiff ? { unit_diff: r.unitDiff } : {}),
      ...(r.notices?.length ? { notices: r.notices } : {}),
    };
  }
  return { metadata: { strata_state_version: STATE_VERSION, invocation_id: invocationId }, results: extras };
}

/** Reads a strata_state.json; undefined when there is none (a manifest written by dbt itself). */
export function readStrataState(file: string): StrataState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StrataState>;
    return { metadata: parsed.metadata!, nodes: parsed.nodes ?? {}, sources: parsed.sources ?? {} };
  } catch {
    return undefined;
  }
}
