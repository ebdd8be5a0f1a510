import type { ParsedProject } from '../render/parse-project.js';
import type { TargetInfo } from '../run/artifacts.js';

/**
 * What the artifacts say about the target, from a parsed project: the database templates see as
 * `target.database`, `postgres` as the adapter type on both engines, and each macro's text.
 *
 * @example new TargetWriter(root, 'target', 'pagila', targetInfo(parsed, session.invocationId))
 */
export function targetInfo(parsed: ParsedProject, invocationId: string): TargetInfo {
  const database = parsed.renderer.context.target.database;
  return {
    adapterType: 'postgres',
    database: typeof database === 'string' ? database : null,
    invocationId,
    macroSql: (key) => parsed.renderer.macros.get(key)?.body,
  };
}
