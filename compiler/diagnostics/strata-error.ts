/**
 * The one error type of Strata. Every stage reports problems as `Diagnostic`s (plain data); a
 * `StrataError` carries one or more of them through a throw.
 *
 * @example
 *   throw new StrataError({ code: 'STR201', message: "unknown ref 'fct_rentals'",
 *     file: 'models/gold/x.sql', line: 14, column: 9, hint: "did you mean 'fct_rental'?" });
 */
import { maskSecrets } from './mask-secrets.js';

export interface Diagnostic {
  /** Stable code, e.g. `STR101`. Families: 1xx project/YAML, 2xx render, 3xx graph/selection, 4xx run/SQL, 5xx adapter/target. */
  code: string;
  severity?: 'error' | 'warn';
  message: string;
  /** Path relative to the project root, with forward slashes. */
  file?: string;
  /** 1-based. */
  line?: number;
  /** 1-based. */
  column?: number;
  hint?: string;
}

export { maskSecrets } from './mask-secrets.js';

export class StrataError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostic: Diagnostic | Diagnostic[]) {
    // Masked here too, so a diagnostic is safe in every artifact and log it reaches, not only on screen.
    const list = (Array.isArray(diagnostic) ? diagnostic : [diagnostic]).map(maskDiagnostic);
    super(list.map(formatDiagnosticPlain).join('\n'));
    this.name = 'StrataError';
    this.diagnostics = list;
  }

  get code(): string {
    return this.diagnostics[0]?.code ?? 'STR000';
  }
}

/** The diagnostic with secrets masked in its message and hint. */
export function maskDiagnostic(d: Diagnostic): Diagnostic {
  const message = maskSecrets(d.message);
  const hint = d.hint === undefined ? undefined : maskSecrets(d.hint);
  return message === d.message && hint === d.hint ? d : { ...d, message, ...(hint === undefined ? {} : { hint }) };
}

/** `models/x.sql:12:5  error STR102  message  (hint)` with no colors. */
export function formatDiagnosticPlain(d: Diagnostic): string {
  const place = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}  ` : '';
  const hint = d.hint ? `  (${d.hint})` : '';
  return `${place}${d.severity ?? 'error'} ${d.code}  ${d.message}${hint}`;
}

/**
 * "Collect problems, then fail": a function that runs `fn`, and when it throws a StrataError adds its
 * diagnostics to `problems` and returns undefined; any other error goes on up.
 *
 * @example
 *   const problems: Diagnostic[] = [];
 *   const collect = diagnosticsCollector(problems);
 *   const template = collect(() => parseTemplate(renderer, input));  // undefined if it failed
 */
export function diagnosticsCollector(problems: Diagnostic[]): <T>(fn: () => T) => T | undefined {
  return (fn) => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof StrataError) {
        problems.push(...error.diagnostics);
        return undefined;
      }
      throw error;
    }
  };
}

