/**
 * The one entry point to a database. The driver is imported only here and only when needed, so the
 * commands that need no database (`compile`, `ls`) never load PGlite's WebAssembly or `pg`.
 */
import type { Adapter } from './adapter.js';
import type { TargetConfig } from '../project/target.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { engineFiles } from './pglite/engine-files.js';
import { startupProfile } from './pglite/startup-profile.js';

export interface OpenAdapterOptions {
  /** One-line notices meant for the user: a stale PGlite lock taken over, a server NOTICE. */
  onNotice?: (message: string) => void;
  /**
   * What to do when another Strata process owns the embedded database (PGlite only):
   * - `exclusive` (default; `build`, `run`, `seed`, `test`): fail with STR510 naming the owner, exit code 2.
   * - `shared` (`show`, `debug`): run the statements through the owner's loopback server, with a notice.
   */
  access?: 'exclusive' | 'shared';
}

/**
 * Starts what opening `target` will need that does not depend on the database's state: for an
 * embedded one, compiling PGlite's WebAssembly (engine-files.ts), which V8 does on background threads.
 * A command calls it as soon as it knows its target, before it parses; nothing is opened or locked.
 */
export function prepareAdapter(target: TargetConfig): void {
  if (target.type !== 'pglite') return;
  startupProfile(target.path);
  void engineFiles();
}

/**
 * @example
 *   const adapter = await openAdapter(project.target, { onNotice: (m) => events.emit({ kind: 'notice', message: m }) });
 *   try { await adapter.query('select 1'); } finally { await adapter.close(); }
 */
export async function openAdapter(target: TargetConfig, options: OpenAdapterOptions = {}): Promise<Adapter> {
  switch (target.type) {
    case 'pglite': {
      const { openPglite } = await import('./pglite/pglite-adapter.js');
      const openOwn = (): Promise<Adapter> => openPglite(target, options);
      if (options.access !== 'shared') return openOwn();
      const { openThroughOwner } = await import('./pglite/open-through-owner.js');
      // Another process may take the directory between "nobody owns it" and our own lock: then use it.
      for (let attempt = 1; ; attempt++) {
        const shared = await openThroughOwner(target, options);
        if (shared) return shared;
        try {
          return await openOwn();
        } catch (error) {
          if (attempt >= 3 || !(error instanceof StrataError) || error.code !== 'STR510') throw error;
        }
      }
    }
    case 'postgres': {
      const { openPostgres } = await import('./postgres/postgres-adapter.js');
      return openPostgres(target, options);
    }
  }
}
