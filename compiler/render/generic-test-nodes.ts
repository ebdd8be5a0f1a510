/**
 * The nodes of generic tests applied in YAML: each becomes a call of its `{% test %}` macro (`pkg.test_x`
 * for a package's), with the YAML arguments as Jinja expressions.
 */
import { StrataError } from '../diagnostics/strata-error.js';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { nodeId, type ManifestNode, type NodeConfig, type NodeId, type SourceTable } from '../manifest/types.js';
import { configFromTree, mergeConfig } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import { checksumOf, type ProjectFile } from '../project/project-files.js';
import type { TestDefinition } from '../project/schema-yaml.js';
import { baseConfig, nodeBase, normalizeLists } from './node-config.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';
import type { Renderer } from './renderer.js';
import { genericTestName } from './test-names.js';
import { testEntryProblems } from './test-arguments.js';

export function genericTestNode(
  project: Project,
  renderer: Renderer,
  definition: TestDefinition,
  nodes: Map<NodeId, ManifestNode>,
  sources: Map<NodeId, SourceTable>,
  warn: (warning: Diagnostic) => void,
): { node: ManifestNode; template: ParsedTemplate } | undefined {
  const where = { file: definition.file, line: definition.line, column: definition.column };
  const dot = definition.testName.lastIndexOf('.');
  const testPackage = dot > 0 ? definition.testName.slice(0, dot) : undefined;
  const macroName = `test_${definition.testName.slice(dot + 1)}`;
  if (!renderer.hasMacro(macroName, testPackage)) {
    const known = [...renderer.macros.keys()].filter((n) => n.startsWith('test_')).map((n) => n.slice(5));
    const guess = didYouMean(definition.testName, known);
    throw new StrataError({
      code: 'STR130',
      message: `unknown generic test '${definition.testName}'`,
      ...where,
      hint: guess ? `did you mean '${guess}'?` : `define it with {% test ${definition.testName}(model, column_name) %} in macros/`,
    });
  }
  const attached = definition.attachedTo;
  const modelExpr =
    attached.kind === 'source'
      ? `source(${literal(attached.sourceName)}, ${literal(attached.name)})`
      : attached.version === undefined
        ? `ref(${literal(attached.name)})`
        : `ref(${literal(attached.name)}, v=${JSON.stringify(attached.version)})`;
  const args = [`model=__strata_where(${modelExpr})`];
  if (definition.columnName !== undefined) args.push(`column_name=${literal(definition.columnName)}`);
  for (const [key, value] of Object.entries(definition.kwargs)) args.push(`${key}=${expression(value)}`);
  const rawSql = `{{ ${testPackage ? `${testPackage}.` : ''}${macroName}(${args.join(', ')}) }}`;
  const name = genericTestName(definition);
  const attachedId =
    attached.kind === 'source'
      ? nodeId(`source.${project.name}.${attached.sourceName}.${attached.name}`)
      : nodeId(`${attached.kind}.${project.name}.${attached.name}${attached.version === undefined ? '' : `.v${String(attached.version)}`}`);
  if (!nodes.has(attachedId) && !sources.has(attachedId)) {
    const candidates = attached.kind === 'source' ? [...sources.values()].map((s) => s.name) : [...nodes.values()].map((n) => n.name);
    const guess = didYouMean(attached.name, candidates);
    // As dbt: properties of a node that does not exist are a warning, and their tests are left out.
    warn({
      code: 'STR131',
      severity: 'warn',
      message: `${attached.kind} '${attached.name}' has properties in YAML but does not exist: its tests are left out`,
      ...where,
      hint: guess ? `did you mean '${guess}'?` : `check the name under ${attached.kind}s:`,
    });
    return undefined;
  }
  const fqn = [project.name, ...definition.file.replace(/\.[^.]+$/, '').split('/').slice(1), name];
  const base = baseConfig('test', configFromTree(project.config.tests, fqn), definition.config);
  const entryProblems = testEntryProblems(renderer, definition, base);
  if (entryProblems.length > 0) throw new StrataError(entryProblems);
  const file: ProjectFile = { path: definition.file, absolutePath: '', text: rawSql, checksum: checksumOf(rawSql) };
  const template = parseTemplate(renderer, {
    path: `${definition.file}#${name}`,
    text: rawSql,
    checksum: file.checksum,
    model: { name, path: definition.file, resource_type: 'test', config: base, package_name: project.name },
    packageName: project.name,
    baseConfig: base,
    guessThis: { schema: project.target.schema, identifier: name },
  });
  // `{{ config(fail_calc=...) }}` inside the test's macro counts, as in dbt.
  const config = normalizeLists(mergeConfig(base, template.config)) as NodeConfig;
  return {
    node: {
      ...nodeBase('test', project.name, name, file, fqn, config, undefined),
      refs: template.refs,
      sources: template.sources,
      dependsOn: { nodes: [], macros: template.macros },
      test: {
        name: definition.testName,
        kwargs: { ...definition.kwargs, ...(definition.columnName ? { column_name: definition.columnName } : {}) },
        columnName: definition.columnName,
        attachedNode: attachedId,
        position: where,
      },
    },
    template,
  };
}

function literal(value: string | undefined): string {
  return JSON.stringify(value ?? '');
}

/**
 * A YAML test argument as a Jinja expression. As in dbt, `{{ ... }}` inside an argument is rendered
 * with the test (`"{{ modules.datetime.date.today() }}"`, `"cast(d as {{ type_timestamp() }})"`): a
 * value that is one expression keeps its type, text around expressions is joined with `~`.
 *
 * @example expression({ column: "cast(x as {{ t() }})" })  // '{"column": "cast(x as " ~ (t()) ~ ")"}'
 */
function expression(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(expression).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${expression(v)}`).join(', ')}}`;
  }
  const text = String(value);
  if (/^\s*(ref|source)\s*\(.*\)\s*$/s.test(text)) return text.trim();
  if (!text.includes('{{')) return JSON.stringify(text);
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(/\{\{-?([\s\S]*?)-?\}\}/g)) {
    if (match.index > last) parts.push(JSON.stringify(text.slice(last, match.index)));
    parts.push(`(${match[1]!.trim()})`);
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(JSON.stringify(text.slice(last)));
  return parts.join(' ~ ');
}
