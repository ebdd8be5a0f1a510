import { z } from 'zod';

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

/** A `models:` / `seeds:` / `data_tests:` tree: nested folders whose `+key` entries are configs. */
export type ConfigTree = { [key: string]: unknown };
const configTree = z.record(z.string(), z.unknown()).default({});

const pgliteTarget = z.object({
  type: z.literal('pglite'),
  path: z.string().optional(),
  schema: z.string().min(1).default('public'),
  threads: z.number().int().positive().default(1),
});

const postgresTarget = z.object({
  type: z.enum(['postgres', 'postgresql']),
  url: z.string().optional(),
  host: z.string().optional(),
  port: z.union([z.number().int(), z.string()]).optional(),
  user: z.string().optional(),
  password: z.union([z.string(), z.number()]).optional(),
  database: z.string().optional(),
  dbname: z.string().optional(),
  schema: z.string().min(1).default('public'),
  threads: z.number().int().positive().default(4),
});

export const targetSchema = z.discriminatedUnion('type', [pgliteTarget, postgresTarget]);
export type RawTarget = z.infer<typeof targetSchema>;

/** project.yml (Strata) and dbt_project.yml (dbt) share this shape; dbt's own keys are accepted. */
export const projectFileSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a valid identifier (letters, digits, _)'),
    version: z.union([z.string(), z.number()]).optional(),
    'config-version': z.number().optional(),
    profile: z.string().optional(),
    'model-paths': stringList.default(['models']),
    'source-paths': stringList.optional(),
    'macro-paths': stringList.default(['macros']),
    'seed-paths': stringList.default(['seeds']),
    'data-paths': stringList.optional(),
    'test-paths': stringList.default(['tests']),
    'analysis-paths': stringList.optional(),
    'snapshot-paths': stringList.optional(),
    'target-path': z.string().default('target'),
    'clean-targets': stringList.optional(),
    'require-dbt-version': z.unknown().optional(),
    vars: z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? {}),
    models: configTree,
    seeds: configTree,
    'data_tests': configTree,
    tests: configTree,
    sources: configTree,
    'on-run-start': stringList.optional(),
    'on-run-end': stringList.optional(),
    target: z.string().optional(),
    targets: z.record(z.string(), targetSchema).optional(),
  })
  .strict();

export type ProjectFileConfig = z.infer<typeof projectFileSchema>;

/** dbt's profiles.yml: `<profile>: { target, outputs: { <name>: {...} } }`. */
export const profilesSchema = z.record(
  z.string(),
  z
    .object({
      target: z.string().optional(),
      outputs: z.record(z.string(), targetSchema),
    })
    .passthrough(),
);
