import type { Adapter } from '../adapters/adapter.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { ParsedProject } from '../render/parse-project.js';
import { renderProjectString } from '../render/project-strings.js';

export type ProjectHookKind = 'on-run-start' | 'on-run-end';

/**
 * Runs the project's `on-run-start` or `on-run-end` statements (project.yml), rendered with vars,
 * target and macros, each on its own connection, in order. The first failure stops the list and is
 * thrown as a StrataError naming project.yml and the hook.
 *
 * @example await runProjectHooks(parsed, adapter, 'on-run-start')  // e.g. "create schema if not exists audit"
 */
export async function runProjectHooks(parsed: ParsedProject, adapter: Adapter, kind: ProjectHookKind): Promise<number> {
  const hooks = kind === 'on-run-start' ? parsed.project.onRunStart : parsed.project.onRunEnd;
  const file = parsed.project.configFile;
  for (const [index, hook] of hooks.entries()) {
    const sql = renderProjectString(parsed.renderer, hook, file);
    if (sql.trim() === '') continue;
    try {
      await adapter.withConnection((connection) => connection.exec(sql));
    } catch (error) {
      throw new StrataError({
        code: 'STR435',
        message: `${kind} hook ${index + 1} failed: ${(error as Error).message}${sqlStateOf(error)}`,
        file,
        hint: `the hook ran: ${sql.length > 120 ? `${sql.slice(0, 117)}...` : sql}`,
      });
    }
  }
  return hooks.length;
}

/** ` (SQLSTATE 22012)` for an error from the server, else nothing. */
function sqlStateOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` (SQLSTATE ${code})` : '';
}
