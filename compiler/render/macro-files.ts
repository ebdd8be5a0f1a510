/**
 * What the renderer reads of macro files before rendering anything: each macro's own text, and the
 * names defined twice in one project or package.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { ProjectFile } from '../project/project-files.js';

/** The macro files of one installed package. */
export interface MacroPackage {
  name: string;
  files: ProjectFile[];
}

const MACRO_START = /\{%-?\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/**
 * `name → text` of each macro or test block a macro file defines (test blocks count as `test_<name>`),
 * without rendering it; a block runs from `{% macro name` to the next `end…` tag.
 */
export function macroBodies(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const match of text.matchAll(MACRO_START)) {
    const end = new RegExp(`\\{%-?\\s*end${match[1]}\\s*-?%\\}`, 'g');
    end.lastIndex = match.index;
    const found = end.exec(text);
    const body = text.slice(match.index, found ? found.index + found[0].length : text.length);
    result.set(match[1] === 'test' ? `test_${match[2]}` : match[2]!, body);
  }
  return result;
}

/** A macro name defined in two files of one project (or package): which one a call reaches would be a matter of file order. */
export function duplicateMacros(parts: MacroPackage[], defined: Map<string, string>[][]): Diagnostic[] {
  const problems: Diagnostic[] = [];
  parts.forEach((part, p) => {
    const first = new Map<string, ProjectFile>();
    part.files.forEach((file, i) => {
      for (const name of defined[p]![i]!.keys()) {
        const other = first.get(name);
        if (!other) {
          first.set(name, file);
          continue;
        }
        const line = (text: string) => text.slice(0, Math.max(0, text.search(new RegExp(`\\{%-?\\s*(?:macro|test)\\s+${name.replace(/^test_/, '(?:test_)?')}\\s*\\(`)))).split('\n').length;
        problems.push({
          code: 'STR211',
          message: `two macros are named '${name}'`,
          file: file.path,
          line: line(file.text),
          hint: `the other is ${other.path}:${line(other.text)}; rename or remove one`,
        });
      }
    });
  });
  return problems;
}
