import { randomUUID } from 'node:crypto';
import { diagnosticsCollector, StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import {
  isTestNode,
  nodeId,
  type Manifest,
  type ManifestNode,
  type Materialization,
  type NodeConfig,
  type NodeId,
  type SourcePosition,
  type SourceTable,
} from '../manifest/types.js';
import { configFromTree, configResolver, mergeConfig } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import { checksumOf, type ProjectFile } from '../project/project-files.js';
import { readSchemaProperties, type SchemaProperties, type TestDefinition } from '../project/schema-yaml.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';
import type { RenderContext, RenderScope } from './render-scope.js';
import { Renderer } from './renderer.js';
import { genericTestName } from './test-names.js';
import { unitTestNodes } from './unit-test-nodes.js';
import { applySnapshotTargetSchemas, snapshotNodes } from './snapshot-nodes.js';
import { RefResolver } from './ref-resolver.js';
import {
  BATCH_SIZES,
  checkIncrementalConfig,
  INCREMENTAL_STRATEGIES,
  lineAndColumn,
  ON_SCHEMA_CHANGE,
  placeOf,
} from '../run/incremental/incremental-config.js';
import type { ConfigTree } from '../project/project-schema.js';

/** The parse pass's result: the manifest, plus what the compile pass needs to finish each node. */
export interface ParsedProject {
  project: Project;
  manifest: Manifest;
  templates: Map<NodeId, ParsedTemplate>;
  renderer: Renderer;
  properties: SchemaProperties;
  /** Problems that do not stop the command (printed once). */
  warnings: Diagnostic[];
}

export interface ParseOptions {
  runStartedAt?: Date;
  invocationId?: string;
  env?: NodeJS.ProcessEnv;
}

const MATERIALIZATIONS = new Set<Materialization>(['view', 'table', 'incremental', 'ephemeral']);

/**
 * The parse pass over a whole project: every model, seed, test and source becomes a manifest node with
 * its dependencies and resolved config. All problems are collected and thrown together.
 *
 * @example
 *   const parsed = parseProject(loadProject('.'));
 *   parsed.manifest.nodes['model.pagila.dim_customer'].dependsOn.nodes; // ['model.pagila.brz_customer', ...]
 */
export function parseProject(project: Project, options: ParseOptions = {}): ParsedProject {
  const context: RenderContext = {
    projectName: project.name,
    vars: project.vars,
    target: {
      name: project.target.name,
      schema: project.target.schema,
      // Both engines speak PostgreSQL: templates that branch on target.type see 'postgres' on either.
      type: 'postgres',
      threads: project.target.threads,
      database: project.target.type === 'postgres' ? (project.target.database ?? databaseOfUrl(project.target.url)) : 'postgres',
      ...(project.target.type === 'postgres' ? { user: project.target.user } : {}),
    },
    packageVars: Object.fromEntries(project.packages.map((part) => [part.name, part.vars])),
    env: options.env ?? process.env,
    runStartedAt: options.runStartedAt ?? new Date(),
    invocationId: options.invocationId ?? randomUUID(),
  };
  const renderer = new Renderer(
    context,
    project.files.macros,
    project.packages.map((part) => ({ name: part.name, files: part.files.macros })),
    project.dispatch,
  );
  const problems: Diagnostic[] = [];
  const collect = diagnosticsCollector(problems);
  const warnings: Diagnostic[] = [];
  const warned = new Set<string>();
  const warn = (warning: Diagnostic) => {
    const key = `${warning.code}:${warning.message}`;
    if (!warned.has(key)) warnings.push(warning);
    warned.add(key);
  };

  const properties = readSchemaProperties(project.files.yaml, problems);
  const nodes = new Map<NodeId, ManifestNode>();
  const templates = new Map<NodeId, ParsedTemplate>();
  /** Names of nodes that are disabled or failed to parse: refs to them are not reported again. */
  const disabled = new Set<string>();

  const addNode = (node: ManifestNode, template?: ParsedTemplate) => {
    let clash = nodes.get(node.id);
    // Generic tests whose arguments differ only in characters a name cannot hold (`regex: '@x'` and
    // `'&x'`) get the same name, as in dbt; like dbt, their ids then differ by a hash of the test.
    if (clash && node.test?.name && clash.test?.name && clash.rawSql !== node.rawSql) {
      node = { ...node, id: nodeId(`${node.id}.${checksumOf(node.rawSql).slice(0, 10)}`) };
      clash = nodes.get(node.id);
    }
    if (clash) {
      problems.push({
        code: 'STR120',
        message: `two ${node.resourceType}s are named '${node.name}'`,
        file: node.path,
        hint: `the other is ${clash.path}; rename one of them`,
      });
      return;
    }
    if (node.config.enabled === false) {
      disabled.add(node.name);
      return;
    }
    nodes.set(node.id, node);
    if (template) templates.set(node.id, template);
  };

  // Jinja in config values is rendered once, here, as dbt renders dbt_project.yml (hooks wait for run time).
  const rendered = (tree: ConfigTree, file: string) => renderConfigTree(renderer, tree, file, collect);
  const rootModelConfig = configResolver(rendered(project.config.models, project.configFile));
  const rootSeedConfig = configResolver(rendered(project.config.seeds, project.configFile));
  const rootTestConfig = configResolver(rendered(project.config.tests, project.configFile));
  const rootSnapshotConfig = configResolver(rendered(project.config.snapshots ?? {}, project.configFile));
  const sources = new Map<NodeId, SourceTable>();
  /** One project's nodes: the root project's, or an installed package's (whose config the root's overrides). */
  const parsePart = (
    project: Project,
    properties: SchemaProperties,
    modelConfig: (fqn: string[]) => Record<string, unknown>,
    seedConfig: (fqn: string[]) => Record<string, unknown>,
    testConfig: (fqn: string[]) => Record<string, unknown>,
    snapshotConfig: (fqn: string[]) => Record<string, unknown>,
  ) => {
    // Models.
    for (const file of project.files.models) {
      const model = parseModelFile(project, renderer, properties, file, collect, modelConfig);
      if (model.node) addNode(model.node, model.template);
      else if (!model.template) disabled.add(model.name);
    }

    // Seeds.
    for (const path of project.files.seeds) {
      const fqn = fqnOf(project.name, path, project.paths.seeds);
      const name = fqn[fqn.length - 1];
      const props = properties.seeds.get(name);
      const config = baseConfig('seed', seedConfig(fqn), props ? renderConfigTree(renderer, props.config, props.file, collect) : {}) as NodeConfig;
      const file: ProjectFile = { path, absolutePath: `${project.root}/${path}`, text: '', checksum: '' };
      addNode({
        ...nodeBase('seed', project.name, name, file, fqn, config, props),
        refs: [],
        sources: [],
        dependsOn: { nodes: [], macros: [] },
      });
    }

    for (const snapshot of snapshotNodes(project, renderer, snapshotConfig, collect)) addNode(snapshot.node, snapshot.template);

    // Singular tests.
    for (const file of project.files.tests) {
      const fqn = fqnOf(project.name, file.path, project.paths.tests);
      const name = fqn[fqn.length - 1];
      const base = baseConfig('test', testConfig(fqn), {});
      const template = collect(() =>
        parseTemplate(renderer, {
          path: file.path,
          text: file.text,
          checksum: file.checksum,
          model: { name, path: file.path, resource_type: 'test', config: base },
          baseConfig: base,
          guessThis: { schema: project.target.schema, identifier: name },
        }),
      );
      if (!template) continue;
      const config = mergeConfig(base, template.config) as NodeConfig;
      addNode(
        {
          ...nodeBase('test', project.name, name, file, fqn, normalizeLists(config), undefined),
          refs: template.refs,
          sources: template.sources,
          dependsOn: { nodes: [], macros: template.macros },
          test: { kwargs: {} },
        },
        template,
      );
    }

    // Sources (their schema may be templated: "{{ var('pagila_source_schema', target.schema ~ '_raw') }}").
    for (const source of properties.sources) {
      const schema = collect(() => renderProjectString(renderer, source.schema ?? source.name, source.file)) ?? source.name;
      for (const table of source.tables) {
        if (!table.enabled) continue;
        const id = nodeId(`source.${project.name}.${source.name}.${table.name}`);
        sources.set(id, {
          id,
          resourceType: 'source',
          sourceName: source.name,
          name: table.name,
          packageName: project.name,
          path: source.file,
          fqn: [project.name, source.name, table.name],
          schema,
          identifier: table.identifier ?? table.name,
          description: table.description,
          columns: table.columns,
          tags: table.tags,
          config: { enabled: true, tags: table.tags },
        });
      }
    }

    // Generic tests from YAML.
    for (const definition of properties.tests) {
      collect(() => {
        // A test of a model that is disabled or failed to parse is left out with it (its problem is reported once).
        if (definition.attachedTo.kind !== 'source' && disabled.has(definition.attachedTo.name)) return;
        const node = genericTestNode(project, renderer, definition, nodes, sources, warn);
        if (node) addNode(node.node, node.template);
      });
    }
  };
  parsePart(project, properties, rootModelConfig, rootSeedConfig, rootTestConfig, rootSnapshotConfig);
  for (const part of project.packages) {
    const view: Project = { ...project, name: part.name, paths: { ...project.paths, ...part.paths }, files: part.files };
    const layered = (own: ConfigTree, root: (fqn: string[]) => Record<string, unknown>) => {
      const resolve = configResolver(rendered(own, part.configFile));
      return (fqn: string[]) => mergeConfig(resolve(fqn), root(fqn));
    };
    parsePart(
      view,
      readSchemaProperties(part.files.yaml, problems),
      layered(part.config.models, rootModelConfig),
      layered(part.config.seeds, rootSeedConfig),
      layered(part.config.tests, rootTestConfig),
      layered(part.config.snapshots ?? {}, rootSnapshotConfig),
    );
  }

  resolveDependencies(project.name, nodes, sources, disabled, problems);
  // Unit tests, once the refs of the models they test are known.
  if (problems.length === 0) {
    for (const node of unitTestNodes(project, properties.unitTests, nodes, disabled, problems)) addNode(node);
  }
  if (problems.length === 0) resolveRelations(renderer, project, nodes, collect);
  if (problems.length === 0) applySnapshotTargetSchemas(nodes);
  if (problems.length === 0) linkSeededSources(nodes, sources);
  if (problems.length > 0) throw new StrataError(problems);

  const manifest: Manifest = {
    projectName: project.name,
    nodes: Object.fromEntries(nodes),
    sources: Object.fromEntries(sources),
    macros: Object.fromEntries(
      [...renderer.macros].map(([key, m]) => [key, { name: m.name, path: m.path, dependsOn: m.calls, checksum: '' }]),
    ),
    generatedAt: context.runStartedAt.toISOString(),
  };
  return { project, manifest, templates, renderer, properties, warnings };
}

/**
 * The parse pass for one model file: its node (config resolved, `dependsOn.nodes` not yet filled in)
 * and template. Problems go to `collect`; without a template the model failed to parse, without a node
 * its config is wrong. Watch mode calls it for the files of a change set alone.
 *
 * @example parseModelFile(project, renderer, properties, file, collect).node?.refs  // [{ name: 'stg_customers' }]
 */
export function parseModelFile(
  project: Project,
  renderer: Renderer,
  properties: SchemaProperties,
  file: ProjectFile,
  collect: <T>(fn: () => T) => T | undefined,
  modelConfig = configResolver(project.config.models),
): { name: string; node?: ManifestNode; template?: ParsedTemplate } {
  const fqn = fqnOf(project.name, file.path, project.paths.models);
  const name = fqn[fqn.length - 1];
  const props = properties.models.get(name);
  const base = baseConfig('view', modelConfig(fqn), props ? renderConfigTree(renderer, props.config, props.file, collect) : {});
  const template = collect(() =>
    parseTemplate(renderer, {
      path: file.path,
      text: file.text,
      checksum: file.checksum,
      model: { name, path: file.path, resource_type: 'model', config: base, unique_id: `model.${project.name}.${name}`, package_name: project.name },
      packageName: project.name,
      baseConfig: base,
      guessThis: { schema: project.target.schema, identifier: name },
    }),
  );
  if (!template) return { name };
  const config = collect(() => finishConfig(mergeConfig(base, template.config), file.path, file.text));
  if (!config) return { name, template };
  // Object.assign, not a spread: the same keys in the same order, one object fewer per model.
  const node: ManifestNode = Object.assign(nodeBase('model', project.name, name, file, fqn, config, props), {
    refs: template.refs,
    sources: template.sources,
    dependsOn: { nodes: [], macros: template.macros },
  });
  return { node, name, template };
}

/**
 * The config a node has before its template runs: defaults, then the config tree, then its YAML
 * properties. Always a new object, with arrays of its own (callers keep it as the node's config).
 */
function baseConfig(
  materialized: Materialization,
  tree: Record<string, unknown>,
  yaml: Record<string, unknown>,
): Record<string, unknown> {
  if (!hasKeys(yaml)) {
    // The tree's config is one object per folder: thousands of files in it share the same merge.
    let byMaterialization = treeBaseConfigs.get(tree);
    if (!byMaterialization) treeBaseConfigs.set(tree, (byMaterialization = new Map()));
    let merged = byMaterialization.get(materialized);
    if (!merged) byMaterialization.set(materialized, (merged = mergeBaseConfig(materialized, tree, yaml)));
    return copyConfig(merged);
  }
  return mergeBaseConfig(materialized, tree, yaml);
}

const treeBaseConfigs = new WeakMap<Record<string, unknown>, Map<Materialization, Record<string, unknown>>>();

function mergeBaseConfig(
  materialized: Materialization,
  tree: Record<string, unknown>,
  yaml: Record<string, unknown>,
): Record<string, unknown> {
  const defaults = { materialized, enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] };
  return mergeConfig(mergeConfig(defaults, normalizeLists(tree)), normalizeLists(yaml));
}

/** A copy whose top-level arrays are copies too, as a fresh merge would give. */
function copyConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...config };
  for (const key in copy) {
    const value = copy[key];
    if (Array.isArray(value)) copy[key] = value.slice();
  }
  return copy;
}

function hasKeys(value: Record<string, unknown>): boolean {
  for (const _ in value) return true;
  return false;
}

const LIST_KEYS = ['tags', 'pre_hook', 'post_hook', 'pre-hook', 'post-hook'];

function normalizeLists<T extends Record<string, unknown>>(config: T): T {
  const result: Record<string, unknown> = { ...config };
  for (const key of LIST_KEYS) {
    const value = result[key];
    if (value !== undefined && !Array.isArray(value)) result[key] = [value];
  }
  return result as T;
}

function finishConfig(config: Record<string, unknown>, file: string, text = ''): NodeConfig {
  const bare = bareConfigNames(text, file);
  if (bare.length > 0) throw new StrataError(bare);
  const materialized = config.materialized as Materialization;
  if (!MATERIALIZATIONS.has(materialized)) {
    const list = Array.isArray(materialized);
    throw new StrataError({
      code: 'STR121',
      message: list ? `materialized is a list (${JSON.stringify(materialized)}); it takes one name` : `unknown materialization '${String(materialized)}'`,
      file,
      ...placeOf(text, 'materialized'),
      hint: list ? 'write +materialized: view, not [view] (in project.yml, a properties file or config())' : 'use view, table, incremental or ephemeral',
    });
  }
  // `config` is the caller's own fresh merge: normalized in place.
  for (const key of LIST_KEYS) {
    const value = config[key];
    if (value !== undefined && !Array.isArray(value)) config[key] = [value];
  }
  config.tags = [...new Set(config.tags as string[])];
  const incremental = checkIncrementalConfig(config, file, text);
  if (incremental.length > 0) throw new StrataError(incremental);
  return config as NodeConfig;
}

/** Values of config keys that are names a user means as text: `materialized=table` is an undefined variable. */
const TEXT_VALUES: Record<string, readonly string[]> = {
  materialized: [...MATERIALIZATIONS],
  incremental_strategy: INCREMENTAL_STRATEGIES,
  on_schema_change: ON_SCHEMA_CHANGE,
  batch_size: BATCH_SIZES,
};

/**
 * `config(materialized=table)`: Jinja reads `table` as a variable, undefined, so the config would be
 * silently dropped. An error at the name, unless the template sets a variable of that name.
 */
function bareConfigNames(text: string, file: string): Diagnostic[] {
  if (!text.includes('config')) return [];
  const problems: Diagnostic[] = [];
  for (const match of text.matchAll(/\b(materialized|incremental_strategy|on_schema_change|batch_size)\s*=\s*([A-Za-z_]\w*)\b(?!\s*[(.[])/g)) {
    const [, key, name] = match;
    if (!TEXT_VALUES[key].includes(name) || new RegExp(`\\bset\\s+${name}\\b`).test(text)) continue;
    problems.push({
      code: 'STR137',
      message: `${key}=${name}: '${name}' is read as a variable, and none is set`,
      file,
      ...lineAndColumn(text, match.index + match[0].length - name.length),
      hint: `quote it: ${key}='${name}'`,
    });
  }
  return problems;
}

function fqnOf(projectName: string, path: string, roots: string[]): string[] {
  const root = roots.find((r) => path.startsWith(`${r.replace(/\/$/, '')}/`));
  const inner = root ? path.slice(root.replace(/\/$/, '').length + 1) : path;
  const parts = inner.replace(/\.[^.\/]+$/, '').split('/');
  return [projectName, ...parts];
}

function nodeBase(
  resourceType: ManifestNode['resourceType'],
  projectName: string,
  name: string,
  file: ProjectFile,
  fqn: string[],
  config: NodeConfig,
  props: { description?: string; columns: ManifestNode['columns']; file: string } | undefined,
): Omit<ManifestNode, 'refs' | 'sources' | 'dependsOn'> {
  return {
    id: nodeId(`${resourceType}.${projectName}.${name}`),
    resourceType,
    name,
    packageName: projectName,
    path: file.path,
    fqn,
    rawSql: file.text,
    checksum: file.checksum,
    config,
    schema: '',
    alias: name,
    description: props?.description,
    columns: props?.columns ?? {},
    patchPath: props?.file,
  };
}

/** A tiny scope for rendering YAML strings and calling naming macros outside a model's template. */
function plainScope(file: string, model: Record<string, unknown> = {}): RenderScope {
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

function genericTestNode(
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
    attached.kind === 'source' ? `source(${literal(attached.sourceName)}, ${literal(attached.name)})` : `ref(${literal(attached.name)})`;
  const args = [`model=__strata_where(${modelExpr})`];
  if (definition.columnName !== undefined) args.push(`column_name=${literal(definition.columnName)}`);
  for (const [key, value] of Object.entries(definition.kwargs)) args.push(`${key}=${expression(value)}`);
  const rawSql = `{{ ${testPackage ? `${testPackage}.` : ''}${macroName}(${args.join(', ')}) }}`;
  const name = genericTestName(definition);
  const attachedId =
    attached.kind === 'source'
      ? nodeId(`source.${project.name}.${attached.sourceName}.${attached.name}`)
      : nodeId(`${attached.kind}.${project.name}.${attached.name}`);
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

function resolveDependencies(
  projectName: string,
  nodes: Map<NodeId, ManifestNode>,
  sources: Map<NodeId, SourceTable>,
  unavailable: Set<string>,
  problems: Diagnostic[],
): void {
  const seen = new Map<string, ManifestNode>();
  for (const node of nodes.values()) {
    if (isTestNode(node)) continue;
    const key = `${node.packageName}.${node.name}`;
    const other = seen.get(key);
    if (other) {
      problems.push({
        code: 'STR122',
        message: `'${node.name}' is both a ${other.resourceType} and a ${node.resourceType}`,
        file: node.path,
        hint: `ref('${node.name}') would be ambiguous: rename ${other.path} or ${node.path}`,
      });
    }
    seen.set(key, node);
  }
  const resolver = new RefResolver(projectName, nodes.values(), sources.values());
  const packages = new Set([projectName, ...[...nodes.values()].map((n) => n.packageName)]);
  const sourceNames = [...sources.values()].map((s) => `${s.sourceName}.${s.name}`);
  for (const node of nodes.values()) {
    const deps = new Set<NodeId>();
    // A generic test's SQL is generated: report its problems at its YAML entry.
    const at = (position: SourcePosition | undefined) => node.test?.position ?? position ?? { file: node.path };
    const read = new Set<NodeId>();
    const commented = new Set<NodeId>();
    for (const ref of node.refs) {
      const target = resolver.ref(ref, node.packageName);
      if (target) (ref.commentOnly ? commented : read).add(target.id);
      if (ref.package && !packages.has(ref.package)) {
        problems.push({
          code: 'STR206',
          message: `ref to unknown package '${ref.package}'`,
          ...at(ref.position),
          hint: `this project is '${projectName}'; a package must be in packages.yml and installed: run strata deps`,
        });
      } else if (!target) {
        if (unavailable.has(ref.name)) continue;
        const where = ref.package ? ` in package '${ref.package}'` : '';
        problems.push(unknownReference('STR205', `ref '${ref.name}'${where}`, at(ref.position), didYouMean(ref.name, resolver.names()), 'no model or seed has that name'));
      } else {
        deps.add(target.id);
      }
    }
    for (const call of node.sources) {
      const source = resolver.source(call.source, call.table, node.packageName);
      if (!source) {
        const name = `${call.source}.${call.table}`;
        const hint = 'declare it under sources: in a schema YAML file';
        problems.push(unknownReference('STR207', `source '${name}'`, at(call.position), didYouMean(name, sourceNames), hint));
      } else {
        deps.add(source.id);
      }
    }
    // `-- depends_on: {{ ref('x') }}` and refs inside macros count too; a node never depends on itself.
    deps.delete(node.id);
    node.dependsOn.nodes = [...deps];
    const orderOnly = [...commented].filter((id) => !read.has(id) && id !== node.id);
    if (orderOnly.length > 0) node.dependsOn.orderOnly = orderOnly;
  }
}

const HOOK_KEYS = new Set(['pre-hook', 'post-hook', 'pre_hook', 'post_hook', '+pre-hook', '+post-hook', '+pre_hook', '+post_hook']);

/**
 * A config tree with its Jinja rendered (`+enabled: "{{ var('x', false) }}"`, `+schema`, `+tags`,
 * `column_types` values): vars, env_var, target and macros work. A value that is one expression keeps
 * a boolean or none result as that type. Hooks are left as written: they render when they run. A tree
 * without any `{{` is returned as it is, so the common case costs one walk.
 */
function renderConfigTree(renderer: Renderer, tree: ConfigTree, file: string, collect: <T>(fn: () => T) => T | undefined): ConfigTree {
  const hasJinja = (value: unknown): boolean =>
    typeof value === 'string'
      ? value.includes('{{') || value.includes('{%')
      : Array.isArray(value)
        ? value.some(hasJinja)
        : typeof value === 'object' && value !== null && Object.entries(value).some(([k, v]) => !HOOK_KEYS.has(k) && hasJinja(v));
  if (!hasJinja(tree)) return tree;
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('{{') && !value.includes('{%')) return value;
      const text = collect(() => renderProjectString(renderer, value, file));
      if (text === undefined) return value;
      if (/^\s*\{\{[^{}]*\}\}\s*$/.test(value)) {
        if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
        if (text === '' || text === 'None') return null;
      }
      return text;
    }
    if (Array.isArray(value)) return value.map(render);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, HOOK_KEYS.has(k) ? v : render(v)]));
    }
    return value;
  };
  return render(tree) as ConfigTree;
}

/** The database a postgres URL names (`postgres://u@h:5432/analytics` → `analytics`). */
function databaseOfUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name === '' ? undefined : name;
  } catch {
    return undefined;
  }
}

function unknownReference(code: string, what: string, place: Omit<Diagnostic, 'code' | 'message'>, guess: string | undefined, fallback: string): Diagnostic {
  return { code, message: `unknown ${what}`, ...place, hint: guess ? `did you mean '${guess}'?` : fallback };
}

function resolveRelations(
  renderer: Renderer,
  project: Project,
  nodes: Map<NodeId, ManifestNode>,
  collect: <T>(fn: () => T) => T | undefined,
): void {
  const customSchemas = renderer.hasProjectMacro('generate_schema_name');
  const customAliases = renderer.hasProjectMacro('generate_alias_name');
  for (const node of nodes.values()) {
    const custom = typeof node.config.schema === 'string' && node.config.schema !== '' ? node.config.schema : undefined;
    const alias = typeof node.config.alias === 'string' && node.config.alias !== '' ? node.config.alias : undefined;
    collect(() => {
      const model = { name: node.name, resource_type: node.resourceType, config: node.config, path: node.path, fqn: node.fqn };
      const scope = plainScope(node.path, model);
      node.schema = customSchemas
        ? String(renderer.callMacro('generate_schema_name', [custom ?? null, model], scope)).trim()
        : custom
          ? `${project.target.schema}_${custom.trim()}`
          : project.target.schema;
      node.alias = customAliases
        ? String(renderer.callMacro('generate_alias_name', [alias ?? null, model], scope)).trim()
        : (alias?.trim() ?? node.name);
    });
  }
}

/**
 * A source whose relation is the one a seed loads (the Pagila sources read the Pagila seeds by
 * default) depends on that seed: models reading the source wait for it, and a build on an empty
 * database works in one go.
 */
function linkSeededSources(nodes: Map<NodeId, ManifestNode>, sources: Map<NodeId, SourceTable>): void {
  const seeds = new Map<string, NodeId>();
  for (const node of nodes.values()) if (node.resourceType === 'seed') seeds.set(`${node.schema}.${node.alias}`, node.id);
  for (const source of sources.values()) source.loadedBy = seeds.get(`${source.schema}.${source.identifier}`);
  for (const node of nodes.values()) {
    for (const dep of [...node.dependsOn.nodes]) {
      const seed = sources.get(dep)?.loadedBy;
      if (seed && !node.dependsOn.nodes.includes(seed)) node.dependsOn.nodes.push(seed);
    }
  }
}
