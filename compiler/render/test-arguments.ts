/**
 * Checks of a generic test's YAML entry that dbt's own tests would otherwise fail late or silently on:
 * a `severity` that is neither warn nor error, and a built-in test (`relationships`, `accepted_values`,
 * ...) without an argument its macro has no default for. Reported at the test's entry, before any SQL.
 */
import type { Diagnostic } from '../diagnostics/strata-error.js';
import type { TestDefinition } from '../project/schema-yaml.js';
import { BUILTIN_MACROS } from './builtin-macros.js';
import { BUILTIN_PACKAGE, type Renderer } from './renderer.js';

const SEVERITIES = ['warn', 'error'];

/** Examples for the hint, per built-in test. */
const EXAMPLES: Record<string, string> = {
  relationships: "relationships: {arguments: {to: ref('customers'), field: id}}",
  accepted_values: "accepted_values: {arguments: {values: ['placed', 'shipped']}}",
};

/**
 * @example testEntryProblems(renderer, { testName: 'relationships', kwargs: { field: 'id' }, ... }, {})
 *   // [{ code: 'STR134', message: "the relationships test has no 'to' argument", ... }]
 */
export function testEntryProblems(renderer: Renderer, definition: TestDefinition, config: Record<string, unknown>): Diagnostic[] {
  const where = { file: definition.file, line: definition.line, column: definition.column };
  const problems: Diagnostic[] = [];
  const severity = severityProblem(config.severity, `the ${definition.testName} test`, where);
  if (severity) problems.push(severity);
  const missing = missingArguments(renderer, definition);
  if (missing.length > 0) {
    const names = missing.map((m) => `'${m}'`).join(' and ');
    problems.push({
      code: 'STR134',
      message: `the ${definition.testName} test has no ${names} argument${missing.length > 1 ? 's' : ''}`,
      ...where,
      hint: EXAMPLES[definition.testName] ? `e.g. ${EXAMPLES[definition.testName]}` : `give ${names} under arguments: of the test`,
    });
  }
  return problems;
}

/**
 * A `severity` that is neither warn nor error (any case), which would otherwise pass for neither.
 *
 * @example severityProblem('fatal', "test 'orders_positive'", { file: 'tests/orders_positive.sql', line: 1, column: 12 })?.code  // 'STR134'
 */
export function severityProblem(severity: unknown, what: string, where: { file: string; line?: number; column?: number }): Diagnostic | undefined {
  if (severity === undefined || severity === null || (typeof severity === 'string' && SEVERITIES.includes(severity.trim().toLowerCase()))) return undefined;
  return {
    code: 'STR134',
    message: `severity ${JSON.stringify(severity)} of ${what} is not one dbt knows: it is warn or error`,
    ...where,
    hint: 'write severity: warn (report, do not fail) or severity: error (fail the run)',
  };
}

/** The parameters a built-in test's macro has no default for, that the entry does not give. */
function missingArguments(renderer: Renderer, definition: TestDefinition): string[] {
  if (definition.testName.includes('.')) return [];
  const key = `test_${definition.testName}`;
  // Only Strata's own tests: a project's or package's test may treat a missing argument as none.
  if (renderer.macros.get(key)?.package !== BUILTIN_PACKAGE) return [];
  const text = BUILTIN_MACROS[key];
  const header = text === undefined ? null : /\{%-?\s*test\s+\w+\s*\(([^)]*)\)/.exec(text);
  if (!header) return [];
  const required = header[1]!
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !p.includes('=') && !p.startsWith('*') && p !== 'model' && p !== 'column_name');
  return required.filter((name) => definition.kwargs[name] === undefined || definition.kwargs[name] === null);
}
