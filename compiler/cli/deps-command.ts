/**
 * `strata deps [--upgrade] [--lock]`: installs the packages of packages.yml. Exit 0 when installed (or
 * locked), 2 on any error; nothing is half-installed either way.
 */
import type { Reporter } from '../report/reporter.js';
import { installDependencies, type DepsEvent } from '../deps/install.js';

export interface DepsArgs {
  projectDir: string;
  upgrade?: boolean;
  lock?: boolean;
}

export async function depsCommand(args: DepsArgs, reporter: Reporter): Promise<number> {
  const onEvent = (event: DepsEvent) => {
    switch (event.type) {
      case 'installed':
        reporter.info(`Installed ${event.name}${event.version ? ` ${event.version}` : ''} (${event.source}${event.linked ? ', symlink' : ''})`);
        break;
      case 'warning':
        reporter.diagnostics([event.diagnostic]);
        break;
      case 'info':
        reporter.info(event.message);
        break;
    }
  };
  const result = await installDependencies({ projectDir: args.projectDir, upgrade: args.upgrade, lockOnly: args.lock, onEvent });
  if (result.fromLock) reporter.info(`Installed the versions of package-lock.yml (strata deps --upgrade resolves them again)`);
  return 0;
}
