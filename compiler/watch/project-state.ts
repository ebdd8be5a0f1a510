/**
 * The incremental parse of watch mode: the previous parse, plus a change set → the next parse.
 *
 * - Only the changed files are read again; the rest of `project.files` is kept.
 * - Fast path: when every change is an edit of an existing model that keeps its refs, sources and
 *   config, only those files are parsed (`parseModelFile`), the next manifest has their nodes replaced
 *   (the previous one is not changed), and the graph and the selection are kept. Only their fingerprints are computed again (and those of
 *   their descendants, for an ephemeral model, whose SQL is inlined into them).
 * - Otherwise (a macro, YAML, a seed, an added or deleted file, a changed ref or config) the whole
 *   parse pass runs again over the files in memory; `project.yml` reloads the project from disk.
 * Either way every node gets a fingerprint (graph/state-fingerprint.ts) that the loop compares with the
 * one of its last run.
 */
import { existsSync } from 'node:fs';
import { Dag } from '../graph/dag.js';
import { selectNodes, type Selection } from '../graph/select-nodes.js';
import { fingerprintNodes, stableJson, type Fingerprint } from '../graph/state-fingerprint.js';
import { diagnosticsCollector, StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import type { ManifestNode, NodeId } from '../manifest/types.js';
import { loadProject, type LoadProjectOptions, type Project } from '../project/load-project.js';
import { readProjectFile, type ProjectFile } from '../project/project-files.js';
import { parseModelFile, parseProject, type ParsedProject } from '../render/parse-project.js';
import type { ChangeSet } from './change-set.js';

export interface ProjectState {
  project: Project;
  parsed: ParsedProject;
  dag: Dag;
  selection: Selection;
  fingerprints: Map<NodeId, Fingerprint>;
  /** How this state was made: `full` (whole parse pass) or `files` (the changed model files alone). */
  parse: 'full' | 'files';
}

export interface StateOptions {
  projectDir: string;
  load: LoadProjectOptions;
  select?: string[];
  exclude?: string[];
  /** Kept for the whole watch, so `run_started_at` and `invocation_id` do not make every node differ. */
  runStartedAt: Date;
  invocationId: string;
}

/**
 * The first state, or the next one after `changes`. Throws a StrataError (template errors, unknown
 * refs, cycles...) with every problem; `project` is then still updated, so the next call can retry.
 *
 * @example
 *   let state = nextState(undefined, [], options);
 *   state = nextState(state, [{ path: 'models/a.sql', kind: 'change', role: 'model' }], options);
 */
export function nextState(previous: { project: Project; state?: ProjectState } | undefined, changes: ChangeSet, options: StateOptions): ProjectState {
  if (!previous || changes.some((c) => c.role === 'project')) {
    return fullState(loadProject(options.projectDir, options.load), options);
  }
  const { project, state } = previous;
  applyToFiles(project, changes);
  if (state) {
    const fast = fastState(state, changes);
    if (fast) return fast;
  }
  return fullState(project, options);
}

function fullState(project: Project, options: StateOptions): ProjectState {
  const parsed = parseProject(project, { runStartedAt: options.runStartedAt, invocationId: options.invocationId });
  const dag = Dag.fromManifest(parsed.manifest);
  dag.assertAcyclic();
  const selection = selectNodes(parsed.manifest, dag, { select: options.select, exclude: options.exclude });
  return { project, parsed, dag, selection, fingerprints: fingerprintNodes(parsed), parse: 'full' };
}

/** The change set applied to the files held in memory (changed files read again, deleted ones dropped). */
function applyToFiles(project: Project, changes: ChangeSet): void {
  for (const change of changes) {
    const exists = change.kind !== 'unlink' && existsSync(`${project.root}/${change.path}`);
    if (change.role === 'seed') {
      const seeds = project.files.seeds.filter((p) => p !== change.path);
      if (exists) seeds.push(change.path);
      project.files.seeds = seeds.sort();
      continue;
    }
    const key = change.role === 'model' ? 'models' : change.role === 'macro' ? 'macros' : change.role === 'test' ? 'tests' : change.role === 'yaml' ? 'yaml' : undefined;
    if (!key) continue;
    let file: ProjectFile | undefined;
    try {
      file = exists ? readProjectFile(project.root, change.path) : undefined;
    } catch {
      file = undefined; // deleted between the event and now
    }
    const list = project.files[key];
    const index = list.findIndex((f) => f.path === change.path);
    if (file && index >= 0) list[index] = file;
    else if (file) project.files[key] = [...list, file].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    else if (index >= 0) list.splice(index, 1);
  }
}

/** The fast path, or undefined when the change set needs the whole parse pass. */
function fastState(state: ProjectState, changes: ChangeSet): ProjectState | undefined {
  if (changes.length === 0 || !changes.every((c) => c.role === 'model' && c.kind === 'change')) return undefined;
  const { project, parsed } = state;
  const byPath = new Map<string, ManifestNode>();
  for (const node of Object.values(parsed.manifest.nodes)) if (node.resourceType === 'model') byPath.set(node.path, node);
  const problems: Diagnostic[] = [];
  const collect = diagnosticsCollector(problems);
  const updates: { old: ManifestNode; next: ManifestNode; template: NonNullable<ReturnType<typeof parseModelFile>['template']> }[] = [];
  for (const change of changes) {
    const old = byPath.get(change.path);
    const file = project.files.models.find((f) => f.path === change.path);
    if (!old || !file) return undefined;
    if (file.checksum === old.checksum) continue;
    const { node, template } = parseModelFile(project, parsed.renderer, parsed.properties, file, collect);
    if (problems.length > 0) throw new StrataError(problems);
    if (!node || !template) return undefined;
    const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);
    const names = (n: ManifestNode) => [n.refs.map((r) => `${r.package ?? ''}.${r.name}.${r.version ?? ''}`), n.sources.map((s) => `${s.source}.${s.table}`)];
    if (!same(node.config, old.config) || !same(names(node), names(old))) return undefined;
    updates.push({ old, next: node, template });
  }
  // The next parse is a new manifest with the edited nodes replaced: the previous one is not changed.
  const nodes = { ...parsed.manifest.nodes };
  const templates = new Map(parsed.templates);
  const recompute = new Set<NodeId>();
  for (const { old, next, template } of updates) {
    nodes[old.id] = {
      ...old,
      rawSql: next.rawSql,
      checksum: next.checksum,
      refs: next.refs,
      sources: next.sources,
      dependsOn: { nodes: old.dependsOn.nodes, macros: next.dependsOn.macros },
    };
    templates.set(old.id, template);
    recompute.add(old.id);
    if (old.config.materialized === 'ephemeral') for (const id of state.dag.walk([old.id], 'down')) recompute.add(id);
  }
  const nextParsed: ParsedProject = updates.length === 0 ? parsed : { ...parsed, manifest: { ...parsed.manifest, nodes }, templates };
  const fingerprints = new Map(state.fingerprints);
  for (const [id, fingerprint] of fingerprintNodes(nextParsed, recompute)) fingerprints.set(id, fingerprint);
  return { ...state, parsed: nextParsed, fingerprints, parse: 'files' };
}
