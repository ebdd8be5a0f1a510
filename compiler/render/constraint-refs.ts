/**
 * The relations a model's foreign-key constraints name with `to: ref('parent')` or
 * `to: source('s', 't')` (column-level or model-level). They are dependencies, as in dbt 1.9: the
 * parent is built before the child on an empty database, and selecting the child's ancestors
 * selects the parent.
 */
import type { ColumnInfo, RefCall, SourceCall } from '../manifest/types.js';

const REF = /^\s*ref\s*\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]+)\3\s*)?\)\s*$/;
const SOURCE = /^\s*source\s*\(\s*(['"])([^'"]+)\1\s*,\s*(['"])([^'"]+)\3\s*\)\s*$/;

/**
 * @example constraintDependencies({ parent_id: { name: 'parent_id', constraints: [{ type: 'foreign_key', to: "ref('parent')" }] } }, undefined)
 *   // { refs: [{ name: 'parent' }], sources: [] }
 */
export function constraintDependencies(
  columns: Record<string, ColumnInfo>,
  modelConstraints: Record<string, unknown>[] | undefined,
): { refs: RefCall[]; sources: SourceCall[] } {
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  const visit = (constraint: unknown) => {
    if (!constraint || typeof constraint !== 'object') return;
    const { type, to } = constraint as { type?: unknown; to?: unknown };
    if (type !== 'foreign_key' || typeof to !== 'string') return;
    const ref = REF.exec(to);
    if (ref) {
      const call: RefCall = ref[4] === undefined ? { name: ref[2] } : { package: ref[2], name: ref[4] };
      if (!refs.some((r) => r.name === call.name && r.package === call.package)) refs.push(call);
      return;
    }
    const source = SOURCE.exec(to);
    if (source && !sources.some((s) => s.source === source[2] && s.table === source[4])) sources.push({ source: source[2], table: source[4] });
  };
  for (const column of Object.values(columns)) {
    if (Array.isArray(column.constraints)) column.constraints.forEach(visit);
  }
  modelConstraints?.forEach(visit);
  return { refs, sources };
}

/** `refs` and `sources` with the constraints' dependencies added (the same arrays when there are none). */
export function withConstraintDependencies(
  refs: RefCall[],
  sources: SourceCall[],
  columns: Record<string, ColumnInfo>,
  modelConstraints: Record<string, unknown>[] | undefined,
): { refs: RefCall[]; sources: SourceCall[] } {
  const extra = constraintDependencies(columns, modelConstraints);
  const newRefs = extra.refs.filter((r) => !refs.some((own) => own.name === r.name && own.package === r.package && !own.commentOnly));
  const newSources = extra.sources.filter((s) => !sources.some((own) => own.source === s.source && own.table === s.table));
  return {
    refs: newRefs.length > 0 ? [...refs, ...newRefs] : refs,
    sources: newSources.length > 0 ? [...sources, ...newSources] : sources,
  };
}
