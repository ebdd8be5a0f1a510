/**
 * The one entry point to a database. The driver is imported only here and only when needed, so the
 * commands that need no database (`compile`, `ls`) never load PGlite's WebAssembly or `pg`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Adapter } from './adapter.js';
import type { TargetConfig } from '../project/target.js';

export interface OpenAdapterOptions {
  /** One-line notices meant for the user: a stale PGlite lock taken over, a server NOTICE. */
  onNotice?: (message: string) => void;
}

/**
 * @example
 *   const adapter = await openAdapter(project.target, { onNotice: (m) => events.emit({ kind: 'notice', message: m }) });
 *   try { await adapter.query('select 1'); } finally { await adapter.close(); }
 */
export async function openAdapter(target: TargetConfig, options: OpenAdapterOptions = {}): Promise<Adapter> {
  switch (target.type) {
    case 'pglite': {
      if (!existsSync(join(target.path, 'PG_VERSION'))) {
        options.onNotice?.(`Creating the embedded database in ${target.path} (first run only: a few seconds)`);
      }
      const { openPglite } = await import('./pglite/pglite-adapter.js');
      return openPglite(target, options);
    }
    case 'postgres': {
      const { openPostgres } = await import('./postgres/postgres-adapter.js');
      return openPostgres(target, options);
    }
  }
}
