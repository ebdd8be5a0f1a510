import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';

/** A parsed YAML file that can still tell where each value came from. */
export interface YamlFile {
  path: string;
  value: unknown;
  /** Line and column (1-based) of the value at `keyPath`, or of its nearest existing parent. */
  locate(keyPath: ReadonlyArray<PropertyKey>): { line: number; column: number };
}

/**
 * Parses YAML keeping positions; a syntax error throws a StrataError naming file:line:col.
 *
 * @example
 *   const file = parseYamlFile('project.yml', text);
 *   file.locate(['models', 'pagila', '+materialized']); // { line: 12, column: 20 }
 */
export function parseYamlFile(path: string, text: string, code = 'STR101'): YamlFile {
  const lineCounter = new LineCounter();
  const document: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new StrataError(
      document.errors.map((error): Diagnostic => {
        const pos = lineCounter.linePos(error.pos[0]);
        return {
          code,
          message: `invalid YAML: ${error.message.split('\n')[0]}`,
          file: path,
          line: pos.line,
          column: pos.col,
          hint: 'fix the YAML syntax at this position',
        };
      }),
    );
  }
  return {
    path,
    value: document.toJS({ maxAliasCount: 1000 }) ?? {},
    locate(keyPath) {
      for (let depth = keyPath.length; depth >= 0; depth--) {
        const node = document.getIn(keyPath.slice(0, depth) as unknown[], true);
        if (isNode(node) && node.range) {
          const pos = lineCounter.linePos(node.range[0]);
          return { line: pos.line, column: pos.col };
        }
      }
      return { line: 1, column: 1 };
    },
  };
}

/** Validates a YAML file's value with a zod schema; every issue becomes a diagnostic at its position. */
export function validateYaml<T>(file: YamlFile, schema: z.ZodType<T>, code = 'STR102'): T {
  const result = schema.safeParse(file.value);
  if (result.success) return result.data;
  throw new StrataError(
    result.error.issues.map((issue): Diagnostic => {
      const at = file.locate(issue.path);
      const key = issue.path.length > 0 ? `'${issue.path.join('.')}': ` : '';
      return { code, file: file.path, line: at.line, column: at.column, ...issueWords(issue, key) };
    }),
  );
}

const TYPE_WORDS: Record<string, string> = { string: 'text', array: 'a list', object: 'a mapping (key: value)', number: 'a number', boolean: 'true or false', null: 'nothing', undefined: 'nothing' };

/** zod's issue in the words of a YAML author (no `undefined`, YAML's names for the types), with a hint. */
function issueWords(issue: z.core.$ZodIssue, key: string): { message: string; hint: string } {
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'invalid_type') {
    const expected = TYPE_WORDS[issue.expected] ?? 'a value';
    const received = /received (\w+)/.exec(issue.message)?.[1];
    if (received === 'undefined' && last !== undefined) return { message: `${key}missing (${expected} expected)`, hint: `add '${String(last)}:' here` };
    const got = received ? `, not ${TYPE_WORDS[received] ?? received}` : '';
    return { message: `${key}expected ${expected}${got}`, hint: key ? `give ${key.slice(0, -2)} ${expected}` : `the file holds ${expected}` };
  }
  // zod's 'Invalid input' of a union names no type: say which value it was.
  if (issue.code === 'invalid_union') return { message: `${key}not a valid value`, hint: key ? `see what ${key.slice(0, -2)} takes` : 'fix the value at this position' };
  return { message: `${key}${issue.message.replace(/\bundefined\b/g, 'nothing')}`, hint: 'fix the value at this position' };
}
