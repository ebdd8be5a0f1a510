/**
 * What the parse pass starts from: the render context every render of a command shares, the renderer
 * with the project's and packages' macros, and the root project's YAML properties. The parse pass and
 * the parse cache (parse-cache.ts) both build them here.
 */
import { randomUUID } from 'node:crypto';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { DocBlock } from '../manifest/types.js';
import { docLookup, readDocBlocks, type DocLookup } from '../project/doc-blocks.js';
import type { Project } from '../project/load-project.js';
import { readSchemaProperties, type SchemaProperties } from '../project/schema-yaml.js';
import type { ParseOptions } from './parse-project.js';
import type { RenderContext } from './render-scope.js';
import { Renderer } from './renderer.js';

/** The root project's YAML properties, with the docs blocks of every package their descriptions may call. */
export function readRootProperties(project: Project, problems: Diagnostic[]): { docBlocks: DocBlock[]; docs: DocLookup; properties: SchemaProperties } {
  const docBlocks: DocBlock[] = [project, ...project.packages].flatMap((part) => (part.files.docs?.length ? readDocBlocks(part.files.docs, part.name, problems) : []));
  const docs: DocLookup = docBlocks.length > 0 ? docLookup(docBlocks, project.name) : () => undefined;
  return { docBlocks, docs, properties: readSchemaProperties(project.files.yaml, problems, { lookup: docs, packageName: project.name }) };
}

/** What every render of the command shares: vars, target, environment, the run's time and id. */
export function renderContextOf(project: Project, options: ParseOptions = {}): RenderContext {
  return {
    projectName: project.name,
    vars: project.vars,
    target: {
      name: project.target.name,
      schema: project.target.schema,
      // Both engines speak PostgreSQL: templates that branch on target.type see 'postgres' on either.
      type: 'postgres',
      threads: project.target.threads,
      database: project.target.type === 'postgres' ? (project.target.database ?? databaseOfUrl(project.target.url)) : 'postgres',
      ...(project.target.type === 'postgres' ? { user: project.target.user } : {}),
    },
    packageVars: Object.fromEntries(project.packages.map((part) => [part.name, part.vars])),
    env: options.env ?? process.env,
    runStartedAt: options.runStartedAt ?? new Date(),
    invocationId: options.invocationId ?? randomUUID(),
    observer: options.observer,
  };
}

/** The renderer of a project: its macros and its packages', with `dispatch:`. */
export function rendererFor(project: Project, context: RenderContext): Renderer {
  return new Renderer(
    context,
    project.files.macros,
    project.packages.map((part) => ({ name: part.name, files: part.files.macros })),
    project.dispatch,
  );
}

/** The database a postgres URL names (`postgres://u@h:5432/analytics` → `analytics`). */
function databaseOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}
