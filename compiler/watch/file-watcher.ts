/**
 * The one module that talks to chokidar: a watch of some project folders that reports each file
 * event as `(kind, path relative to the root)`. Errors are reported, never thrown.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import chokidar, { type FSWatcher } from 'chokidar';

export type FileEventKind = 'add' | 'change' | 'unlink';

export interface FileWatcher {
  /** Resolves once the initial scan is done: edits after this are reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchFilesOptions {
  /** Folders and files relative to `root` (missing ones are fine). */
  paths: string[];
  onEvent(kind: FileEventKind, path: string): void;
  onError(error: Error): void;
}

/**
 * @example
 *   const watcher = watchFiles('/repo', { paths: ['models', 'macros', 'project.yml'], onEvent, onError });
 *   await watcher.ready;
 */
export function watchFiles(root: string, options: WatchFilesOptions): FileWatcher {
  // chokidar 3 can report `ready` before the folders of an array of paths are watched, above all when
  // some of them do not exist (paulmillr/chokidar#319, #950): watch only existing ones, and call the
  // watcher ready once each of them is in getWatched().
  const existing = options.paths.filter((path) => existsSync(join(root, path)));
  const watcher = chokidar.watch(existing, {
    cwd: root,
    ignoreInitial: true,
    // Editors save by writing a temporary file and renaming it: those are ignored, the rename is seen.
    ignored: (path: string) => /(^|[\\/])(\.git|node_modules|\.strata)([\\/]|$)|~$|\.sw[px]$|\.tmp$/.test(path),
    disableGlobbing: true,
  });
  const report = (kind: FileEventKind) => (path: string) => {
    try {
      options.onEvent(kind, path.split('\\').join('/'));
    } catch (error) {
      options.onError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  watcher.on('add', report('add'));
  watcher.on('change', report('change'));
  watcher.on('unlink', report('unlink'));
  watcher.on('error', (error: unknown) => options.onError(error instanceof Error ? error : new Error(String(error))));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve())).then(() => allWatched(root, watcher, existing));
  return { ready, close: () => watcher.close() };
}

/** Waits (up to 5 s) until every folder among `paths` is listed by getWatched(). */
async function allWatched(root: string, watcher: FSWatcher, paths: string[]): Promise<void> {
  const folders = paths.filter((path) => {
    try {
      return statSync(join(root, path)).isDirectory();
    } catch {
      return false;
    }
  });
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const watched = watcher.getWatched();
    if (folders.every((folder) => watched[folder] !== undefined)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
