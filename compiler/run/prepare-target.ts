import type { Adapter } from '../adapters/adapter.js';
import type { Plan } from '../plan/build-plan.js';
import type { ParsedProject } from '../render/parse-project.js';
import { createSchemas } from './relation-sql.js';

/**
 * Every schema the plan's steps write to: models, seeds and snapshots in their own schema, tests that store their
 * failures in `<target schema>_test_failures`.
 *
 * @example schemasToCreate(plan, parsed)  // ['pagila', 'pagila_bronze', 'pagila_silver', 'pagila_gold']
 */
export function schemasToCreate(plan: Plan, parsed: ParsedProject): string[] {
  const schemas = new Set<string>();
  for (const step of plan.steps) {
    const node = parsed.manifest.nodes[step.id];
    if (!node) continue;
    const kind: string = step.kind;
    if (kind === 'materialize' || kind === 'seed' || kind === 'snapshot') schemas.add(node.schema);
    else if (step.kind === 'test' && node.config.store_failures === true) schemas.add(`${parsed.project.target.schema}_test_failures`);
  }
  return [...schemas];
}

/**
 * Before the first node starts: the schemas of the run, created once and in order, so that parallel
 * nodes never race on `create schema`.
 */
export async function prepareTarget(adapter: Adapter, plan: Plan, parsed: ParsedProject): Promise<void> {
  const schemas = schemasToCreate(plan, parsed);
  if (schemas.length > 0) await adapter.withConnection((connection) => createSchemas(connection, schemas));
}
