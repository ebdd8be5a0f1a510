import { createHash } from 'node:crypto';
import type { TestDefinition } from '../project/schema-yaml.js';

/**
 * dbt's generic test names: `not_null_gold_customer_metrics_customer_id`,
 * `accepted_values_dim_x_tier__Gold__Silver`, `relationships_fct_rental_customer_id__customer_id__ref_dim_customer_`.
 * Names of 64 characters or more are shortened to a prefix and an md5 of the full name, as dbt does.
 */
export function genericTestName(definition: TestDefinition): string {
  if (definition.customName) return definition.customName;
  const prefix = definition.attachedTo.kind === 'source' ? `source_${definition.testName}` : definition.testName;
  const target =
    definition.attachedTo.kind === 'source'
      ? `${definition.attachedTo.sourceName}_${definition.attachedTo.name}`
      : definition.attachedTo.version === undefined
        ? definition.attachedTo.name
        : `${definition.attachedTo.name}_v${String(definition.attachedTo.version)}`;
  const parts = [prefix, target];
  if (definition.columnName) parts.push(definition.columnName);
  const flat = Object.entries(definition.kwargs)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, value]) => flatten(value))
    .filter((s) => s.length > 0);
  let name = parts.join('_') + (flat.length > 0 ? `__${flat.join('__')}` : '');
  name = name.replace(/[^A-Za-z0-9_]+/g, '_');
  if (name.length >= 64) {
    const hash = createHash('md5').update(name).digest('hex');
    name = `${prefix}_${target}`.slice(0, 30) + `_${hash}`;
  }
  return name;
}

function flatten(value: unknown): string {
  if (Array.isArray(value)) return value.map(flatten).join('__');
  if (value && typeof value === 'object') return Object.values(value).map(flatten).join('__');
  return String(value ?? '');
}
