/**
 * The one module that talks to chokidar: a watch of some project folders that reports each file
 * event as `(kind, path relative to the root)`. Errors are reported, never thrown.
 */
import chokidar from 'chokidar';

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
  const watcher = chokidar.watch(options.paths, {
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
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
