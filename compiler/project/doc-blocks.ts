/**
 * dbt's docs blocks: `{% docs name %}Markdown{% enddocs %}` in `.md` files under the resource folders
 * (or `docs-paths`), used from YAML descriptions as `{{ doc('name') }}` or `{{ doc('package', 'name') }}`.
 * The parse pass puts the blocks into the descriptions, as dbt does, so manifest.json and the docs site
 * carry the text; an unknown block is an error at the call.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { DocBlock } from '../manifest/types.js';
import type { ProjectFile } from './project-files.js';

const BLOCK = /\{%-?\s*docs\s+([A-Za-z_]\w*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;
const DOC_CALL = /\{\{-?\s*doc\(\s*(['"])(\w+)\1\s*(?:,\s*(['"])(\w+)\3\s*)?\)\s*-?\}\}/g;

/**
 * The docs blocks of a project's (or package's) `.md` files. Two blocks of one name in one package are
 * an error naming both files, as in dbt.
 *
 * @example readDocBlocks([{ path: 'models/docs.md', text: '{% docs tier %}Gold{% enddocs %}', ... }], 'shop', problems)
 *   // [{ name: 'tier', packageName: 'shop', path: 'models/docs.md', contents: 'Gold' }]
 */
export function readDocBlocks(files: readonly ProjectFile[], packageName: string, problems: Diagnostic[]): DocBlock[] {
  const blocks = new Map<string, DocBlock>();
  for (const file of files) {
    if (!file.text.includes('docs')) continue;
    for (const match of file.text.matchAll(BLOCK)) {
      const name = match[1]!;
      const other = blocks.get(name);
      if (other) {
        problems.push({
          code: 'STR185',
          message: `two docs blocks are named '${name}'`,
          file: file.path,
          ...lineAndColumn(file.text, match.index),
          hint: `the other is in ${other.path}; rename one of them`,
        });
        continue;
      }
      blocks.set(name, { name, packageName, path: file.path, contents: match[2]!.trim() });
    }
  }
  return [...blocks.values()];
}

/** Finds the block `doc(name)` or `doc(package, name)` means, from a description of `fromPackage`. */
export type DocLookup = (name: string, packageName: string | undefined, fromPackage: string) => DocBlock | undefined;

/**
 * dbt's rule: `doc('name')` looks in the package of the description, then the root project, then any
 * package; `doc('pkg', 'name')` in `pkg` only.
 */
export function docLookup(blocks: readonly DocBlock[], rootName: string): DocLookup {
  const byName = new Map<string, DocBlock[]>();
  for (const block of blocks) {
    const list = byName.get(block.name);
    if (list) list.push(block);
    else byName.set(block.name, [block]);
  }
  return (name, packageName, fromPackage) => {
    const candidates = byName.get(name);
    if (!candidates) return undefined;
    if (packageName !== undefined) return candidates.find((b) => b.packageName === packageName);
    return candidates.find((b) => b.packageName === fromPackage) ?? candidates.find((b) => b.packageName === rootName) ?? candidates[0];
  };
}

/** A `doc()` call naming no block: what it named, and where in its text it is. */
export interface UnknownDoc {
  call: string;
  name: string;
  packageName?: string;
  offset: number;
}

/**
 * A description with each `{{ doc(...) }}` replaced by its block. Unknown blocks are returned apart
 * (the call stays as written), for the caller to report where the description is.
 *
 * @example renderDocCalls("{{ doc('tier') }}", lookup, 'shop')  // { text: 'Gold or silver', unknown: [] }
 */
export function renderDocCalls(description: string, lookup: DocLookup, fromPackage: string): { text: string; unknown: UnknownDoc[] } {
  const unknown: UnknownDoc[] = [];
  if (!description.includes('doc(')) return { text: description, unknown };
  const text = description.replace(DOC_CALL, (call, _q1: string, first: string, _q2: string | undefined, second: string | undefined, offset: number) => {
    const name = second ?? first;
    const packageName = second ? first : undefined;
    const block = lookup(name, packageName, fromPackage);
    if (block) return block.contents;
    unknown.push({ call, name, packageName, offset });
    return call;
  });
  return { text, unknown };
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
