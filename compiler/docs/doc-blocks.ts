/**
 * Docs blocks for the docs site. The parse pass reads them (project/doc-blocks.ts) and already puts them
 * into the manifest's descriptions; this map lets the site render any `{{ doc(...) }}` left in a text it
 * gets from elsewhere, by `name` and `package.name`.
 */
import type { Project } from '../project/load-project.js';
import { readDocBlocks as parseDocBlocks } from '../project/doc-blocks.js';

/** `name` and `package.name` → the block's Markdown. */
export type DocBlocks = Map<string, string>;

const DOC_CALL = /\{\{-?\s*doc\(\s*(['"])([\w]+)\1\s*(?:,\s*(['"])([\w]+)\3\s*)?\)\s*-?\}\}/g;

/**
 * The docs blocks of the project's and its packages' `.md` files (the root project's win a bare name).
 *
 * @example readDocBlocks(project).get('customer_tier')  // 'The tier from lifetime value: ...'
 */
export function readDocBlocks(project: Project): DocBlocks {
  const blocks: DocBlocks = new Map();
  for (const part of [project, ...project.packages]) {
    for (const block of parseDocBlocks(part.files.docs ?? [], part.name, [])) {
      if (part === project || !blocks.has(block.name)) blocks.set(block.name, block.contents);
      blocks.set(`${part.name}.${block.name}`, block.contents);
    }
  }
  return blocks;
}

/**
 * A description with each `{{ doc(...) }}` replaced by its block; an unknown block stays as written.
 *
 * @example renderDocCalls("{{ doc('tier') }}", new Map([['tier', 'Gold or silver']]))  // 'Gold or silver'
 */
export function renderDocCalls(description: string, blocks: DocBlocks): string {
  if (!description.includes('doc(')) return description;
  return description.replace(DOC_CALL, (call, _q1: string, first: string, _q2: string | undefined, second: string | undefined) => {
    const key = second ? `${first}.${second}` : first;
    return blocks.get(key) ?? call;
  });
}
