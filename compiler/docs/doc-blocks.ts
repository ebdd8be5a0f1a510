/**
 * dbt's docs blocks: `{% docs name %}Markdown{% enddocs %}` in `.md` files under the project's
 * resource folders, used from YAML descriptions as `{{ doc('name') }}` (or `doc('package', 'name')`).
 * The parse pass keeps descriptions as written; the docs site shows them with the blocks put in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Project } from '../project/load-project.js';

/** `name` and `package.name` → the block's Markdown. */
export type DocBlocks = Map<string, string>;

const BLOCK = /\{%-?\s*docs\s+([A-Za-z_][\w]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;
const DOC_CALL = /\{\{-?\s*doc\(\s*(['"])([\w]+)\1\s*(?:,\s*(['"])([\w]+)\3\s*)?\)\s*-?\}\}/g;

/**
 * Reads the docs blocks of `.md` files under the model, seed, snapshot, macro and test folders.
 *
 * @example readDocBlocks(project).get('customer_tier')  // 'The tier from lifetime value: ...'
 */
export function readDocBlocks(project: Project): DocBlocks {
  const blocks: DocBlocks = new Map();
  const { models, seeds, macros, tests, snapshots } = project.paths;
  for (const folder of new Set([...models, ...seeds, ...macros, ...tests, ...(snapshots ?? [])])) {
    for (const file of markdownFiles(join(project.root, folder))) {
      for (const match of readFileSync(file, 'utf8').matchAll(BLOCK)) {
        const text = match[2]!.trim();
        blocks.set(match[1]!, text);
        blocks.set(`${project.name}.${match[1]}`, text);
      }
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

function markdownFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}
