/**
 * manifest.json's `docs` (dbt's `Documentation`), `groups` (`Group`) and `group_map`: small maps built
 * only when a project has docs blocks or groups (an empty object otherwise).
 */
import type { Manifest } from '../manifest/types.js';

/** `doc.<package>.<name>` → dbt's Documentation. */
export function dbtDocs(manifest: Manifest): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [id, block] of Object.entries(manifest.docs ?? {})) {
    result[id] = {
      name: block.name,
      resource_type: 'doc',
      package_name: block.packageName,
      path: resourcePath(block.path),
      original_file_path: block.path,
      unique_id: id,
      block_contents: block.contents,
    };
  }
  return result;
}

/** `group.<package>.<name>` → dbt's Group. */
export function dbtGroups(manifest: Manifest): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [id, group] of Object.entries(manifest.groups ?? {})) {
    result[id] = {
      name: group.name,
      resource_type: 'group',
      package_name: group.packageName,
      path: resourcePath(group.path),
      original_file_path: group.path,
      unique_id: id,
      owner: { email: null, name: null, ...group.owner },
      description: group.description ?? null,
      config: { meta: {}, ...(group.config ?? {}) },
    };
  }
  return result;
}

/** Group name → the ids of the nodes in it. */
export function dbtGroupMap(manifest: Manifest): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  if (!manifest.groups) return result;
  for (const group of Object.values(manifest.groups)) result[group.name] = [];
  for (const [id, node] of Object.entries(manifest.nodes)) {
    const group = node.config.group;
    if (typeof group === 'string' && result[group]) result[group].push(id);
  }
  return result;
}

/** dbt's `path`: the file's path inside its resource folder (`docs.md` for `models/docs.md`). */
function resourcePath(path: string): string {
  const parts = path.split('/');
  const packaged = parts[0] === 'dbt_packages' || parts[0] === 'dbt_modules';
  return parts.slice(packaged ? 3 : 1).join('/') || path;
}
