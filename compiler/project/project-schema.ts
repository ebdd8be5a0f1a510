import { z } from 'zod';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** A `models:` / `seeds:` / `data_tests:` tree: nested folders whose `+key` entries are configs. */
export type ConfigTree = { [key: string]: unknown };
const configTree = z.record(z.string(), z.unknown()).default({});

/** A count in YAML, or a string a `{{ ... | as_number }}` rendered to. */
const count = z.union([z.number(), z.string().regex(/^\s*\d+\s*$/).transform(Number)]).pipe(z.number().int().nonnegative());

const pgliteTarget = z.object({
  type: z.literal('pglite'),
  path: z.string().optional(),
  schema: z.string().min(1).default('public'),
  threads: count.pipe(z.number().positive()).default(1),
});

/** dbt-postgres's profile fields (both spellings of password and database), plus Strata's `url`. */
const postgresTarget = z.object({
  type: z.enum(['postgres', 'postgresql']),
  url: z.string().optional(),
  host: z.string().optional(),
  port: count.optional(),
  user: z.string().optional(),
  password: z.union([z.string(), z.number()]).optional(),
  pass: z.union([z.string(), z.number()]).optional(),
  database: z.string().optional(),
  dbname: z.string().optional(),
  schema: z.string().min(1).default('public'),
  threads: count.pipe(z.number().positive()).default(4),
  sslmode: z.enum(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full']).optional(),
  sslcert: z.string().optional(),
  sslkey: z.string().optional(),
  sslrootcert: z.string().optional(),
  search_path: z.string().optional(),
  role: z.string().optional(),
  keepalives_idle: count.optional(),
  connect_timeout: count.optional(),
  retries: count.optional(),
  application_name: z.string().optional(),
  client_connection_check_interval: count.optional(),
});

export const targetSchema = z.discriminatedUnion('type', [pgliteTarget, postgresTarget]);
export type RawTarget = z.infer<typeof targetSchema>;

/** The keys of each target type, for did-you-mean on a misspelt one. */
export const TARGET_KEYS: Record<RawTarget['type'], string[]> = {
  pglite: Object.keys(pgliteTarget.shape),
  postgres: Object.keys(postgresTarget.shape),
  postgresql: Object.keys(postgresTarget.shape),
};

const dispatchEntry = z
  .object({ macro_namespace: z.string().min(1), search_order: z.array(z.string().min(1)).min(1) })
  .strict()
  .transform((entry) => ({ macroNamespace: entry.macro_namespace, searchOrder: entry.search_order }));

/**
 * project.yml (Strata) and dbt_project.yml (dbt) share this shape. Keys not listed are dropped here and
 * reported by `projectKeyWarnings`, never refused: a project written for dbt loads as it is.
 */
export const projectFileSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid identifier (letters, digits, _)'),
  version: z.union([z.string(), z.number()]).optional(),
  'config-version': z.literal(2, { message: 'must be 2 (dbt removed version 1)' }).optional(),
  profile: z.string().optional(),
  'model-paths': stringList.default(['models']),
  'source-paths': stringList.optional(),
  'macro-paths': stringList.default(['macros']),
  'seed-paths': stringList.default(['seeds']),
  'data-paths': stringList.optional(),
  'test-paths': stringList.default(['tests']),
  'snapshot-paths': stringList.default(['snapshots']),
  'analysis-paths': stringList.default(['analyses']),
  'docs-paths': stringList.optional(),
  'target-path': z.string().default('target'),
  'packages-install-path': z.string().optional(),
  'modules-path': z.string().optional(),
  dispatch: z.array(dispatchEntry).nullish().transform((v) => v ?? []),
  vars: z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {}),
  models: configTree,
  seeds: configTree,
  data_tests: configTree,
  tests: configTree,
  sources: configTree,
  snapshots: configTree,
  'on-run-start': stringList.optional(),
  'on-run-end': stringList.optional(),
  target: z.string().optional(),
  /** Checked one at a time, after rendering, when selected (see resolve-target.ts). */
  targets: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});

export type ProjectFileConfig = z.infer<typeof projectFileSchema>;

/**
 * Keys dbt documents for dbt_project.yml that Strata accepts without acting on them: each one present is
 * a warning, so a user learns that (say) `quoting:` changes nothing here.
 */
const DOCUMENTED_NOT_ACTED_ON = [
  'require-dbt-version', 'flags', 'quoting', 'dbt-cloud', 'clean-targets', 'query-comment',
  'asset-paths', 'function-paths', 'log-path', 'restrict-access',
  'exposures', 'metrics', 'semantic-models', 'saved-queries', 'unit_tests', 'functions', 'analyses',
];

const ACTED_ON = Object.keys(projectFileSchema.shape);
const NOT_ACTED_ON = new Set(DOCUMENTED_NOT_ACTED_ON);

/**
 * One warning per top-level key Strata does not act on (STR107), or that nobody documents (STR108,
 * with the closest known key). Only the top level is read: no per-model work.
 *
 * @example projectKeyWarnings(file, text) // [{ code: 'STR107', severity: 'warn', message: "'flags' ...", line: 14, ... }]
 */
export function projectKeyWarnings(
  value: unknown,
  file: string,
  text: string,
  locate: (path: PropertyKey[]) => { line: number; column: number },
): Diagnostic[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  const warnings: Diagnostic[] = [];
  for (const key of Object.keys(value)) {
    if (ACTED_ON.includes(key)) continue;
    const at = keyPosition(text, key) ?? locate([key]);
    if (NOT_ACTED_ON.has(key)) {
      warnings.push({ code: 'STR107', severity: 'warn', message: `'${key}' is accepted but Strata does not act on it`, file, ...at });
    } else {
      const close = didYouMean(key, [...ACTED_ON, ...DOCUMENTED_NOT_ACTED_ON]);
      warnings.push({
        code: 'STR108',
        severity: 'warn',
        message: `unknown key '${key}' (ignored)`,
        file,
        ...at,
        hint: close ? `did you mean '${close}'?` : 'see https://docs.getdbt.com/reference/dbt_project.yml',
      });
    }
  }
  return warnings;
}

/** Where a top-level key is written (`key:` at the start of a line, quoted or not). */
export function keyPosition(text: string, key: string): { line: number; column: number } | undefined {
  const escaped = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const match = new RegExp(`^(?:${escaped}|'${escaped}'|"${escaped}")\\s*:`, 'm').exec(text);
  if (!match) return undefined;
  return { line: text.slice(0, match.index).split('\n').length, column: 1 };
}

/**
 * dbt's profiles.yml: `<profile>: { target, outputs: { <name>: {...} } }`, and an optional top-level
 * `config:` block. Outputs stay unvalidated here: only the selected one is rendered and checked, so an
 * output for another adapter, or one whose env vars are unset, is no obstacle.
 */
export const profilesSchema = z.record(
  z.string(),
  z
    .object({
      target: z.string().optional(),
      outputs: z.record(z.string(), z.record(z.string(), z.unknown())),
    })
    .passthrough(),
);
