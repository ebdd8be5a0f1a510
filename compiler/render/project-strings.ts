import type { Renderer } from './renderer.js';
import type { RenderScope } from './render-scope.js';
import { checksumOf } from '../project/project-files.js';

/** A tiny scope for rendering YAML strings and calling naming macros outside a model's template. */
export function plainScope(file: string, model: Record<string, unknown> = {}): RenderScope {
  const unsupported = (what: string) => () => {
    throw new Error(`${what}() cannot be used here`);
  };
  return {
    mode: 'compile',
    file,
    ref: unsupported('ref'),
    source: unsupported('source'),
    config: () => undefined,
    configGet: (key, fallback) => (model.config as Record<string, unknown> | undefined)?.[key] ?? fallback ?? null,
    thisRelation: () => undefined,
    isIncremental: () => false,
    taint: () => undefined,
    recordMacro: () => undefined,
    model,
  };
}

/**
 * Renders a string of the project outside any model (a source's schema, an `on-run-start` hook): vars,
 * env_var, target and macros work; ref/source/this do not.
 */
export function renderProjectString(renderer: Renderer, text: string, file: string): string {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  const template = renderer.template(`${file}#${text}`, text, checksumOf(text));
  return renderer.render(template, plainScope(file), file).trim();
}
