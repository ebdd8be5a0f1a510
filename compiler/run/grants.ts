/**
 * `grants: {select: [reporter, bi]}` on a model, seed or snapshot: applied in the node's own
 * transaction, right after its relation is in place, as dbt's `apply_grants` does.
 *
 * - A relation built aside and swapped in (table, view, seed, a full refresh) is a new object: it gets
 *   the configured grants, and readers of the old one keep their access, since the swap and the grants
 *   commit together. Grants made by hand on the old object go with it, as in dbt.
 * - A relation updated in place (an incremental model, a snapshot) keeps its grants: those of the
 *   current role not in the config are revoked, the missing ones granted (dbt's `should_revoke`).
 *
 * Both engines have roles and GRANT (PGlite is PostgreSQL 18 in one process; its roles live in the
 * data directory), so nothing here differs by engine.
 */
import type { Connection, Relation } from '../adapters/adapter.js';
import { quoteIdent, quoteRelation } from '../sql/quote.js';
import { StrataError } from '../diagnostics/strata-error.js';
import type { ManifestNode } from '../manifest/types.js';

/** privilege (lower case) → grantees. */
export type Grants = Map<string, string[]>;

const PRIVILEGE = /^[a-z]+( [a-z]+)*$/;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * The node's `grants` config as privilege → grantees, or undefined when it has none (dbt does nothing
 * then, not even revoke). A privilege's grantees may be one name or a list; `+select` (the merge
 * marker of project config) counts as `select`.
 *
 * @example grantsOf(node)  // Map { 'select' => ['reporter', 'bi'] }
 */
export function grantsOf(node: ManifestNode): Grants | undefined {
  const raw = node.config.grants;
  if (raw === undefined || raw === null) return undefined;
  const file = node.patchPath ?? node.path;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StrataError({
      code: 'STR434',
      message: `${node.resourceType} '${node.name}': grants must be a mapping of privilege to roles, not ${JSON.stringify(raw)}`,
      file,
      hint: 'grants: {select: [reporter, bi]}',
    });
  }
  const grants: Grants = new Map();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const privilege = key.replace(/^\+/, '').trim().toLowerCase().replace(/\s+/g, ' ');
    const grantees = (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]).map(String).filter((g) => g.trim() !== '');
    if (!PRIVILEGE.test(privilege)) {
      throw new StrataError({
        code: 'STR434',
        message: `${node.resourceType} '${node.name}': '${key}' is not a privilege`,
        file,
        hint: 'use select, insert, update, delete, truncate, references, trigger or all',
      });
    }
    grants.set(privilege, [...new Set([...(grants.get(privilege) ?? []), ...grantees])]);
  }
  return grants.size > 0 ? grants : undefined;
}

/** The grants on `relation` that the current role gave to other roles (dbt-postgres's `get_show_grant_sql`). */
async function currentGrants(connection: Connection, relation: Relation): Promise<Grants> {
  const result = await connection.query<{ grantee: string; privilege_type: string }>(
    `select grantee, privilege_type from information_schema.role_table_grants
     where grantor = current_role and grantee <> current_role and table_schema = $1 and table_name = $2
     order by grantee, privilege_type`,
    [relation.schema, relation.identifier],
  );
  const grants: Grants = new Map();
  for (const row of result.rows) {
    const privilege = row.privilege_type.toLowerCase();
    grants.set(privilege, [...(grants.get(privilege) ?? []), row.grantee]);
  }
  return grants;
}

/** How a grantee is written: PUBLIC, a plain name as written (Postgres folds it), anything else quoted. */
function granteeSql(grantee: string): string {
  if (grantee.toLowerCase() === 'public') return 'public';
  return PLAIN_NAME.test(grantee) ? grantee : quoteIdent(grantee);
}

/** The name the catalog shows for a grantee (a plain name folded to lower case). */
function catalogName(grantee: string): string {
  if (grantee.toLowerCase() === 'public') return 'PUBLIC';
  return PLAIN_NAME.test(grantee) ? grantee.toLowerCase() : grantee;
}

/**
 * Applies the node's grants to `relation`; with `revoke`, first revokes the current role's grants that
 * the config no longer lists. A role that does not exist fails the node with its name and the model's.
 *
 * @example await applyGrants(log, node, { schema: 'analytics', identifier: 'orders' }, false)
 *   // grant select on "analytics"."orders" to reporter, bi
 */
export async function applyGrants(connection: Connection, node: ManifestNode, relation: Relation, revoke: boolean): Promise<void> {
  const wanted = grantsOf(node);
  if (!wanted) return;
  const statements: string[] = [];
  const target = quoteRelation(relation);
  const current = revoke ? await currentGrants(connection, relation) : new Map<string, string[]>();
  for (const [privilege, grantees] of current) {
    const keep = new Set((wanted.get(privilege) ?? []).map(catalogName));
    const gone = grantees.filter((g) => !keep.has(g));
    if (gone.length > 0) statements.push(`revoke ${privilege} on ${target} from ${gone.map((g) => (g === 'PUBLIC' ? 'public' : quoteIdent(g))).join(', ')}`);
  }
  for (const [privilege, grantees] of wanted) {
    const have = new Set(current.get(privilege) ?? []);
    const missing = grantees.filter((g) => !have.has(catalogName(g)));
    if (missing.length > 0) statements.push(`grant ${privilege} on ${target} to ${missing.map(granteeSql).join(', ')}`);
  }
  for (const statement of statements) {
    try {
      await connection.exec(statement);
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      throw new StrataError({
        code: 'STR434',
        message: `${node.resourceType} '${node.name}': its grants failed on ${relation.schema}.${relation.identifier}: ${code ? `${code} ` : ''}${message ?? String(error)}`,
        file: node.patchPath ?? node.path,
        hint:
          code === '42704'
            ? 'create the role first (create role <name>), or take it out of grants'
            : 'check the privilege names and that the target user may grant them',
      });
    }
  }
}
