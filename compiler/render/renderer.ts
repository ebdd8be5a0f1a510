import { quoteLiteral, type LiteralValue } from '../adapters/quote.js';
import { StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import type { ProjectFile } from '../project/project-files.js';
import { BUILTIN_MACROS } from './builtin-macros.js';
import {
  createEnvironment,
  preprocessMacroSource,
  templateErrorToDiagnostic,
  type CompiledTemplate,
  type StrataEnvironment,
} from './nunjucks-env.js';
import { currentScope, installGlobals, withScope, type RenderContext, type RenderScope } from './render-scope.js';

const MACRO_START = /\{%-?\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;

/**
 * `name → text` of each macro or test block a macro file defines (test blocks count as `test_<name>`),
 * without rendering it; a block runs from `{% macro name` to the next `end…` tag.
 */
function macroBodies(text: string): Map<string, string> {
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

export interface MacroSource {
  name: string;
  /** The file that defines it, or `(builtin)`. */
  path: string;
  /** The names this macro's file mentions that are macros too (for change tracking). */
  calls: string[];
  /** A project macro's own text (see `macroBodies`), which node fingerprints hash; none for built-ins. */
  body?: string;
}

/**
 * Owns the template environment: built-in and project macros as globals, and compiled templates
 * cached by path and checksum. The environment is created only when a file needs it: a project whose
 * models are all static never loads a template engine.
 */
export class Renderer {
  private env: StrataEnvironment | undefined;
  private readonly templates = new Map<string, { checksum: string; template: CompiledTemplate }>();
  readonly macros = new Map<string, MacroSource>();
  private readonly projectMacroNames = new Set<string>();

  constructor(
    readonly context: RenderContext,
    private readonly macroFiles: ProjectFile[],
  ) {
    for (const name of Object.keys(BUILTIN_MACROS)) this.macros.set(name, { name, path: '(builtin)', calls: [] });
    const defined = macroFiles.map((file) => macroBodies(file.text));
    const allNames = new Set([...Object.keys(BUILTIN_MACROS), ...defined.flatMap((bodies) => [...bodies.keys()])]);
    macroFiles.forEach((file, i) => {
      const mentioned = [...allNames].filter((name) => new RegExp(`\\b${name}\\s*\\(`).test(file.text));
      for (const [name, body] of defined[i]!) {
        this.projectMacroNames.add(name);
        this.macros.set(name, { name, path: file.path, calls: mentioned.filter((m) => m !== name), body });
      }
    });
  }

  /** True when the project defines a macro of this name (overriding a built-in one, or its own). */
  hasProjectMacro(name: string): boolean {
    return this.projectMacroNames.has(name);
  }

  hasMacro(name: string): boolean {
    return this.macros.has(name);
  }

  /** The environment, created on first use with every macro registered. */
  environment(): StrataEnvironment {
    if (this.env) return this.env;
    const env = createEnvironment();
    installGlobals(env, this.context);
    env.addGlobal('__strata_literal', (value: unknown) => quoteLiteral(value as LiteralValue));
    const problems: Diagnostic[] = [];
    const register = (source: string, path: string) => {
      let macros: Record<string, (...args: unknown[]) => unknown>;
      try {
        macros = env.macrosOf(source, path);
      } catch (error) {
        problems.push(templateErrorToDiagnostic(error, path, 'syntax', 'STR210'));
        return;
      }
      for (const [name, macro] of Object.entries(macros)) {
        env.addGlobal(name, (...args: unknown[]) => {
          const overrides = currentScope()?.macroOverrides;
          if (overrides && Object.prototype.hasOwnProperty.call(overrides, name)) return overrides[name];
          currentRecorder?.(name);
          return macro(...args);
        });
      }
    };
    for (const [name, source] of Object.entries(BUILTIN_MACROS)) register(source, `(builtin ${name})`);
    for (const file of this.macroFiles) register(file.text, file.path);
    if (problems.length > 0) throw new StrataError(problems);
    this.env = env;
    return env;
  }

  /** Compiles (or reuses) the template of a file. Syntax errors become a StrataError at file:line:col. */
  template(path: string, text: string, checksum: string): CompiledTemplate {
    const cached = this.templates.get(path);
    if (cached && cached.checksum === checksum) return cached.template;
    const env = this.environment();
    let template: CompiledTemplate;
    try {
      template = env.compile(path.endsWith('.sql') && isMacroLike(text) ? preprocessMacroSource(text) : text, path);
    } catch (error) {
      throw new StrataError(templateErrorToDiagnostic(error, path, 'syntax'));
    }
    this.templates.set(path, { checksum, template });
    return template;
  }

  /** Renders a template with `scope` current; render errors become a StrataError at file:line:col. */
  render(template: CompiledTemplate, scope: RenderScope, errorFile = scope.file): string {
    const previousRecorder = currentRecorder;
    currentRecorder = (name) => scope.recordMacro(name);
    try {
      return withScope(scope, () => template.render({}));
    } catch (error) {
      if (error instanceof StrataError) throw error;
      throw new StrataError(templateErrorToDiagnostic(error, errorFile, 'render'));
    } finally {
      currentRecorder = previousRecorder;
    }
  }

  /** Calls a macro by name outside any template (e.g. generate_schema_name) with `scope` current. */
  callMacro(name: string, args: unknown[], scope: RenderScope): unknown {
    const macro = this.environment().getGlobal(name);
    if (typeof macro !== 'function') {
      throw new StrataError({ code: 'STR204', message: `macro '${name}' is not defined`, file: scope.file });
    }
    try {
      return withScope(scope, () => macro(...args));
    } catch (error) {
      if (error instanceof StrataError) throw error;
      const source = this.macros.get(name)?.path ?? scope.file;
      throw new StrataError(templateErrorToDiagnostic(error, source, 'render'));
    }
  }
}

let currentRecorder: ((name: string) => void) | undefined;

function isMacroLike(text: string): boolean {
  return /\{%-?\s*test\s/.test(text);
}
