/**
 * Change sets: file events collected until the files are quiet for a moment, then handed over as one
 * set. A burst of saves (a formatter touching ten files, an editor's "save all") is one change set.
 */
import type { Project } from '../project/load-project.js';
import type { FileEventKind } from './file-watcher.js';

/** What a changed file is to the project. */
export type FileRole = 'project' | 'model' | 'macro' | 'seed' | 'test' | 'yaml';

export interface ChangedFile {
  path: string;
  kind: FileEventKind;
  role: FileRole;
}

export type ChangeSet = ChangedFile[];

/**
 * The role of a path relative to the project root, or undefined for files the project does not read.
 *
 * @example roleOf(project, 'models/gold/x.sql')  // 'model'
 */
export function roleOf(project: Project, path: string): FileRole | undefined {
  if (path === project.configFile) return 'project';
  const under = (folders: string[]) => folders.some((folder) => path.startsWith(`${folder.replace(/\/$/, '')}/`));
  const extension = /\.[^./]+$/.exec(path)?.[0]?.toLowerCase();
  const isYaml = extension === '.yml' || extension === '.yaml';
  // A docs block may be in any description: an edited .md file reloads the project, as project.yml does.
  if (extension === '.md' && [project.paths.models, project.paths.seeds, project.paths.macros, project.paths.tests, project.paths.docs ?? []].some(under)) return 'project';
  if (under(project.paths.models)) return extension === '.sql' ? 'model' : isYaml ? 'yaml' : undefined;
  if (under(project.paths.macros)) return extension === '.sql' ? 'macro' : undefined;
  if (under(project.paths.seeds)) return extension === '.csv' ? 'seed' : isYaml ? 'yaml' : undefined;
  if (under(project.paths.tests)) return extension === '.sql' ? 'test' : isYaml ? 'yaml' : undefined;
  return undefined;
}

/**
 * Collects file events and calls `flush` with them once no event came for `quietMs`.
 *
 * Timeline of a burst:
 *   save a.sql   save b.sql   save a.sql            (quiet for quietMs)
 *   ──┬────────────┬────────────┬─────────────────────────┬──
 *     └ timer      └ timer reset └ timer reset            └ flush([a.sql change, b.sql change])
 * The last event for a path wins (an add then a change is an add; a change then an unlink is an unlink).
 */
export class ChangeCollector {
  private readonly pending = new Map<string, FileEventKind>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly quietMs: number,
    private readonly flush: () => void,
  ) {}

  add(kind: FileEventKind, path: string): void {
    const before = this.pending.get(path);
    this.pending.set(path, before === 'add' && kind === 'change' ? 'add' : kind);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.quietMs);
  }

  /** True while events are still arriving (the quiet period has not passed). */
  get settling(): boolean {
    return this.timer !== undefined;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Takes every collected event, classified; files the project does not read are dropped. */
  take(project: Project | undefined): ChangeSet {
    const result: ChangeSet = [];
    for (const [path, kind] of this.pending) {
      const role = project ? roleOf(project, path) : path.endsWith('project.yml') ? 'project' : undefined;
      if (role) result.push({ path, kind, role });
    }
    this.pending.clear();
    return result.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
