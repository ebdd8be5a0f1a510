/**
 * `exposures:` in schema YAML, in dbt's shape: what reads the project's models from outside it.
 *
 *   exposures:
 *     - name: weekly_revenue
 *       type: dashboard            # dashboard | notebook | analysis | ml | application
 *       owner: {name: Finance, email: finance@example.com}
 *       depends_on: ["ref('gold_customer_metrics')", "source('pagila', 'payment')"]
 *       url: https://bi.example.com/d/42
 *       maturity: high             # low | medium | high
 *       description: Revenue by week for the finance review.
 *
 * Each `depends_on` entry becomes a ref or source call with its file position; resolving them against
 * the project's nodes is the parse pass's (render/exposure-nodes.ts).
 */
import { z } from 'zod';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { ExposureType, RefCall, SourceCall } from '../manifest/types.js';
import type { YamlFile } from './yaml-file.js';

export const EXPOSURE_TYPES: readonly ExposureType[] = ['dashboard', 'notebook', 'analysis', 'ml', 'application'];

const owner = z.object({ name: z.string().optional(), email: z.union([z.string(), z.array(z.string())]).optional() }).passthrough();

/** One entry of `exposures:`; unknown keys are errors (a typo would otherwise be dropped unseen). */
export const exposureEntry = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name is letters, digits and underscores, not starting with a digit'),
    label: z.string().optional(),
    type: z.enum(EXPOSURE_TYPES as [ExposureType, ...ExposureType[]]),
    owner,
    description: z.string().optional(),
    url: z.string().optional(),
    maturity: z.enum(['low', 'medium', 'high']).optional(),
    tags: z.array(z.string()).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
    config: z
      .object({ enabled: z.boolean().optional(), tags: z.array(z.string()).optional(), meta: z.record(z.string(), z.unknown()).optional() })
      .strict()
      .optional(),
    depends_on: z.array(z.string()).default([]),
  })
  .strict();

export type ExposureEntry = z.infer<typeof exposureEntry>;

/** An exposure as declared, with its place; `refs` and `sources` carry their own positions. */
export interface ExposureDefinition {
  name: string;
  label?: string;
  type: ExposureType;
  owner: { name?: string; email?: string | string[] };
  description?: string;
  url?: string;
  maturity?: 'low' | 'medium' | 'high';
  tags: string[];
  meta: Record<string, unknown>;
  enabled: boolean;
  refs: RefCall[];
  sources: SourceCall[];
  file: string;
  line: number;
  column: number;
  /** For the exposures of dashboard files. */
  dashboard?: string;
  /** The installed package that declares it; the root project's when absent. */
  packageName?: string;
}

const QUOTED = `\\s*(?:'([^']*)'|"([^"]*)")\\s*`;
const REF = new RegExp(`^\\s*ref\\(${QUOTED}(?:,${QUOTED})?(?:,\\s*(?:v|version)\\s*=\\s*[^)]*)?\\)\\s*$`);
const SOURCE = new RegExp(`^\\s*source\\(${QUOTED},${QUOTED}\\)\\s*$`);

/**
 * A `depends_on` entry as a ref or source call, or the reason it is neither.
 *
 * @example parseDependency("ref('dim_customer')")        // { ref: { name: 'dim_customer' } }
 * @example parseDependency("source('pagila', 'payment')")  // { source: { source: 'pagila', table: 'payment' } }
 */
export function parseDependency(text: string): { ref: RefCall } | { source: SourceCall } | { problem: string } {
  const ref = REF.exec(text);
  if (ref) {
    const first = ref[1] ?? ref[2]!;
    const second = ref[3] ?? ref[4];
    return { ref: second === undefined ? { name: first } : { package: first, name: second } };
  }
  const source = SOURCE.exec(text);
  if (source) return { source: { source: source[1] ?? source[2]!, table: source[3] ?? source[4]! } };
  return { problem: `depends_on entry '${text}' is neither ref('name') nor source('source', 'table')` };
}

/**
 * The definitions of the validated `exposures:` entries of one YAML file; a malformed `depends_on`
 * entry is a problem at its line.
 */
export function exposureDefinitions(yaml: YamlFile, entries: readonly ExposureEntry[], problems: Diagnostic[]): ExposureDefinition[] {
  return entries.map((entry, index) => {
    const refs: RefCall[] = [];
    const sources: SourceCall[] = [];
    entry.depends_on.forEach((text, at) => {
      const position = { file: yaml.path, ...yaml.locate(['exposures', index, 'depends_on', at]) };
      const parsed = parseDependency(text);
      if ('ref' in parsed) refs.push({ ...parsed.ref, position });
      else if ('source' in parsed) sources.push({ ...parsed.source, position });
      else problems.push({ code: 'STR190', message: parsed.problem, ...position, hint: `write "ref('model_name')" or "source('source_name', 'table_name')"` });
    });
    return {
      name: entry.name,
      label: entry.label,
      type: entry.type,
      owner: { name: entry.owner.name, email: entry.owner.email },
      description: entry.description,
      url: entry.url,
      maturity: entry.maturity,
      tags: [...(entry.tags ?? []), ...(entry.config?.tags ?? [])],
      meta: { ...(entry.meta ?? {}), ...(entry.config?.meta ?? {}) },
      enabled: entry.config?.enabled !== false,
      refs,
      sources,
      file: yaml.path,
      ...yaml.locate(['exposures', index]),
    };
  });
}
