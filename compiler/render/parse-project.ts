import { diagnosticsCollector, StrataError, type Diagnostic } from '../diagnostics/strata-error.js';
import { nodeId, type Manifest, type ManifestNode, type NodeConfig, type NodeId, type SourceTable } from '../manifest/types.js';
import { configResolver, mergeConfig } from '../project/config-tree.js';
import type { Project } from '../project/load-project.js';
import { checksumOf, type ProjectFile } from '../project/project-files.js';
import { readSchemaProperties, type SchemaProperties } from '../project/schema-yaml.js';
import type { GroupInfo } from '../manifest/types.js';
import { asVersion, checkVersionFiles, versionedAlias } from './versioned-models.js';
import { checkAccess, groupInfos } from './model-access.js';
import { analysisNodes } from './analysis-nodes.js';
import { sourceFreshness } from './source-freshness-config.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';
import type { RenderObserver } from './render-scope.js';
import type { Renderer } from './renderer.js';
import { readRootProperties, renderContextOf, rendererFor } from './parse-context.js';
import { unitTestNodes } from './unit-test-nodes.js';
import { dashboardExposures, exposureNodes } from './exposure-nodes.js';
import { readDashboards, type DashboardDefinition } from '../dashboards/dashboard-file.js';
import { applySnapshotTargetSchemas, snapshotNodes } from './snapshot-nodes.js';
import { baseConfig, finishConfig, fqnOf, nodeBase, normalizeLists, renderConfigTree } from './node-config.js';
import { genericTestNode } from './generic-test-nodes.js';
import { resolveDependencies } from './resolve-dependencies.js';
import { withConstraintDependencies } from './constraint-refs.js';
import { configKeyWarnings } from './config-keys.js';
import { plainScope, renderProjectString } from './project-strings.js';
import type { ConfigTree } from '../project/project-schema.js';

/** The parse pass's result: the manifest, plus what the compile pass needs to finish each node. */
export interface ParsedProject {
  project: Project;
  manifest: Manifest;
  templates: Map<NodeId, ParsedTemplate>;
  renderer: Renderer;
  properties: SchemaProperties;
  /** The dashboard files of `dashboards/`, each an exposure of type dashboard in the manifest. */
  dashboards: DashboardDefinition[];
  /** Problems that do not stop the command (printed once). */
  warnings: Diagnostic[];
}

export interface ParseOptions {
  runStartedAt?: Date;
  invocationId?: string;
  env?: NodeJS.ProcessEnv;
  /** Told what templates read beyond the project (environment variables, the clock): see RenderObserver. */
  observer?: RenderObserver;
}

/**
 * The parse pass over a whole project: every model, seed, test and source becomes a manifest node with
 * its dependencies and resolved config. All problems are collected and thrown together.
 *
 * @example
 *   const parsed = parseProject(loadProject('.'));
 *   parsed.manifest.nodes['model.pagila.dim_customer'].dependsOn.nodes; // ['model.pagila.brz_customer', ...]
 */
export function parseProject(project: Project, options: ParseOptions = {}): ParsedProject {
  const context = renderContextOf(project, options);
  const renderer = rendererFor(project, context);
  // project.yml's own errors first (loading went on without the bad values): every problem is reported at once.
  const problems: Diagnostic[] = [...(project.problems ?? [])];
  const collect = diagnosticsCollector(problems);
  const warnings: Diagnostic[] = [];
  const warned = new Set<string>();
  const warn = (warning: Diagnostic) => {
    const key = `${warning.code}:${warning.message}`;
    if (!warned.has(key)) warnings.push(warning);
    warned.add(key);
  };

  // Docs blocks of every package first: a description may call one of another package's.
  const { docBlocks, docs, properties } = readRootProperties(project, problems);
  const groups = new Map<string, GroupInfo>();
  const nodes = new Map<NodeId, ManifestNode>();
  const templates = new Map<NodeId, ParsedTemplate>();
  /** Names of nodes that are disabled or failed to parse: refs to them are not reported again. */
  const disabled = new Set<string>();
  /** Names of nodes switched off by `enabled: false`: a ref to one is an error of its own (as in dbt). */
  const switchedOff = new Set<string>();

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
      switchedOff.add(node.name);
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
      // Failed to parse, or its config is wrong: reported once, here; refs to it are not reported again.
      else disabled.add(model.name);
    }
    if (properties.versioned.size > 0) checkVersionFiles(project.name, properties, project.files.models, nodes, problems);
    if (properties.groups.length > 0) groupInfos(project.name, properties.groups, groups, problems);
    if (project.files.analyses?.length) for (const analysis of analysisNodes(project, renderer, collect, properties.analyses)) addNode(analysis.node, analysis.template);

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
          ...sourceFreshness(table, source, project, collect),
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
  const packageExposures: typeof properties.exposures = [];
  for (const part of project.packages) {
    const view: Project = { ...project, name: part.name, paths: { ...project.paths, ...part.paths }, files: part.files };
    const layered = (own: ConfigTree, root: (fqn: string[]) => Record<string, unknown>) => {
      const resolve = configResolver(rendered(own, part.configFile));
      return (fqn: string[]) => mergeConfig(resolve(fqn), root(fqn));
    };
    const partProperties = readSchemaProperties(part.files.yaml, problems, { lookup: docs, packageName: part.name });
    packageExposures.push(...partProperties.exposures.map((exposure) => ({ ...exposure, packageName: part.name })));
    parsePart(
      view,
      partProperties,
      layered(part.config.models, rootModelConfig),
      layered(part.config.seeds, rootSeedConfig),
      layered(part.config.tests, rootTestConfig),
      layered(part.config.snapshots ?? {}, rootSnapshotConfig),
    );
  }

  resolveDependencies(project.name, nodes, sources, disabled, problems, switchedOff);
  const dashboards = readDashboards(project.root, problems);
  const exposureDefinitions = [...properties.exposures, ...packageExposures, ...dashboardExposures(renderer, project.target.schema, dashboards, collect)];
  const exposures = exposureNodes(project.name, exposureDefinitions, nodes, sources, disabled, switchedOff, problems);
  if (problems.length === 0) checkAccess(nodes, groups, problems, warn, context.runStartedAt);
  // Deprecation warnings depend on today's date.
  if (options.observer && [...nodes.values()].some((node) => node.deprecationDate !== undefined)) options.observer.volatile('deprecation_date');
  // Unit tests, once the refs of the models they test are known.
  if (problems.length === 0) {
    for (const node of unitTestNodes(project, properties.unitTests, nodes, disabled, problems)) addNode(node);
  }
  if (problems.length === 0) resolveRelations(renderer, project, nodes, collect);
  if (problems.length === 0) applySnapshotTargetSchemas(nodes);
  if (problems.length === 0) linkSeededSources(nodes, sources);
  if (problems.length > 0) throw new StrataError(problems);
  for (const warning of configKeyWarnings(nodes.values(), project)) warn(warning);

  const manifest: Manifest = {
    projectName: project.name,
    nodes: Object.fromEntries(nodes),
    sources: Object.fromEntries(sources),
    exposures: Object.fromEntries(exposures),
    macros: Object.fromEntries(
      [...renderer.macros].map(([key, m]) => [key, { name: m.name, path: m.path, dependsOn: m.calls, checksum: '' }]),
    ),
    generatedAt: context.runStartedAt.toISOString(),
  };
  if (docBlocks.length > 0) manifest.docs = Object.fromEntries(docBlocks.map((block) => [`doc.${block.packageName}.${block.name}`, block]));
  if (groups.size > 0) manifest.groups = Object.fromEntries([...groups.values()].map((group) => [`group.${group.packageName}.${group.name}`, group]));
  return { project, manifest, templates, renderer, properties, dashboards, warnings };
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
  // Foreign keys' `to: ref('parent')` are dependencies too (the parent is built first).
  const { refs, sources } = props ? withConstraintDependencies(template.refs, template.sources, props.columns, props.constraints) : template;
  const node: ManifestNode = Object.assign(nodeBase('model', project.name, name, file, fqn, config, props), {
    refs,
    sources,
    dependsOn: { nodes: [], macros: template.macros },
  });
  if (props?.versionOf !== undefined || props?.deprecationDate !== undefined) return { node: asVersion(node, props), name: node.name, template };
  return { node, name, template };
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
      const model: Record<string, unknown> = { name: node.name, resource_type: node.resourceType, config: node.config, path: node.path, fqn: node.fqn };
      if (node.version !== undefined) model.version = node.version;
      const scope = plainScope(node.path, model);
      node.schema = customSchemas
        ? String(renderer.callMacro('generate_schema_name', [custom ?? null, model], scope)).trim()
        : custom
          ? `${project.target.schema}_${custom.trim()}`
          : project.target.schema;
      node.alias = customAliases
        ? String(renderer.callMacro('generate_alias_name', [alias ?? null, model], scope)).trim()
        : (alias?.trim() ?? (node.version === undefined ? node.name : versionedAlias(node)));
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
