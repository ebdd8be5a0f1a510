/**
 * dbt's published artifact schemas (`../shared/dbt/schemas/`, read where they are, never copied), with
 * a validator: Ajv for JSON Schema draft 2020-12, the draft they declare.
 *
 * @example expect(schemaErrors('manifest/v12', JSON.parse(text))).toEqual([])
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../support/strata-cli.js';

export const SCHEMAS_DIR = path.resolve(REPO_ROOT, '../shared/dbt/schemas');

const validators = new Map<string, ValidateFunction>();

function validator(name: string): ValidateFunction {
  let found = validators.get(name);
  if (!found) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, `${name}.json`), 'utf8')) as Record<string, unknown>;
    // Formats (uuid, date-time) are dbt's annotations, not what tools check; strict mode rejects dbt's `default` next to `$ref`-free unions.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    found = ajv.compile(schema);
    validators.set(name, found);
  }
  return found;
}

/** The schema's errors for `document`, as `path: message` lines (empty when it is valid). */
export function schemaErrors(name: 'manifest/v12' | 'run-results/v6' | 'catalog/v1' | 'sources/v3', document: unknown): string[] {
  const validate = validator(name);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
