/**
 * The parse pass's exposures: those of `exposures:` in schema YAML, and one of type dashboard per file
 * of `dashboards/`, whose dependencies are the refs and sources its queries call. Each ref and source
 * is resolved as a model's are (one resolver, dbt's package rules); an unknown one is an error at its
 * file:line:col.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic } from '../diagnostics/strata-error.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { DashboardDefinition } from '../dashboards/dashboard-file.js';
import { nodeId, type Exposure, type ManifestNode, type NodeId, type RefCall, type SourceCall, type SourceTable } from '../manifest/types.js';
import type { ExposureDefinition } from '../project/exposure-yaml.js';
import { parseTemplate } from './parse-template.js';
import { RefResolver } from './ref-resolver.js';
import type { Renderer } from './renderer.js';

/**
 * The definitions of the dashboards' exposures: each query rendered in the parse pass (as
 * `show --inline` renders it) for the refs and sources it calls.
 *
 * @example dashboardExposures(renderer, 'pagila', dashboards, collect)[0].refs[0]
 *   // { name: 'gold_customer_metrics', position: { file: 'dashboards/customer_health.yml', line: 14, column: 26 } }
 */
export function dashboardExposures(
  renderer: Renderer,
  targetSchema: string,
  dashboards: readonly DashboardDefinition[],
  collect: <T>(fn: () => T) => T | undefined,
): ExposureDefinition[] {
  return dashboards.map((dashboard) => {
    const refs: RefCall[] = [];
    const sources: SourceCall[] = [];
    for (const query of dashboard.queries) {
      const config = { materialized: 'view', enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] };
      const template = collect(() =>
        parseTemplate(renderer, {
          path: dashboard.file,
          text: query.placed,
          checksum: createHash('sha256').update(query.sql).digest('hex'),
          model: { name: `${dashboard.name}__${query.name}`, path: dashboard.file, resource_type: 'model', config },
          baseConfig: config,
          guessThis: { schema: targetSchema, identifier: query.name },
        }),
      );
      // One entry per model or source read, where it is first called.
      for (const ref of template?.refs ?? []) if (!ref.commentOnly && !refs.some((r) => r.name === ref.name && r.package === ref.package)) refs.push(ref);
      for (const call of template?.sources ?? []) if (!sources.some((s) => s.source === call.source && s.table === call.table)) sources.push(call);
    }
    return {
      name: dashboard.name,
      label: dashboard.title,
      type: 'dashboard',
      owner: dashboard.owner,
      description: dashboard.description,
      url: dashboard.url,
      maturity: dashboard.maturity,
      tags: dashboard.tags,
      meta: {},
      enabled: true,
      refs,
      sources,
      file: dashboard.file,
      line: dashboard.line,
      column: dashboard.column,
      dashboard: dashboard.name,
    } satisfies ExposureDefinition;
  });
}

/**
 * Exposure nodes, their refs and sources resolved to node ids. Refs to nodes that failed to parse are
 * not reported twice; a ref to a disabled node is an error, as from a model.
 */
export function exposureNodes(
  projectName: string,
  definitions: readonly ExposureDefinition[],
  nodes: ReadonlyMap<NodeId, ManifestNode>,
  sources: ReadonlyMap<NodeId, SourceTable>,
  unavailable: ReadonlySet<string>,
  switchedOff: ReadonlySet<string>,
  problems: Diagnostic[],
): Map<NodeId, Exposure> {
  const exposures = new Map<NodeId, Exposure>();
  if (definitions.length === 0) return exposures;
  const resolver = new RefResolver(projectName, nodes.values(), sources.values());
  let sourceNames: string[] | undefined;
  for (const definition of definitions) {
    const place = { file: definition.file, line: definition.line, column: definition.column };
    const packageName = definition.packageName ?? projectName;
    const id = nodeId(`exposure.${packageName}.${definition.name}`);
    const clash = exposures.get(id);
    if (clash) {
      problems.push({ code: 'STR190', message: `two exposures are named '${definition.name}'`, ...place, hint: `the other is at ${clash.position.file}:${clash.position.line}; rename one` });
      continue;
    }
    if (!definition.enabled) continue;
    const dependsOn: NodeId[] = [];
    const add = (dependency: NodeId) => {
      if (!dependsOn.includes(dependency)) dependsOn.push(dependency);
    };
    for (const ref of definition.refs) {
      const target = resolver.ref(ref, packageName);
      if (target) add(target.id);
      else if (switchedOff.has(ref.name)) {
        problems.push({ code: 'STR208', message: `ref to '${ref.name}', which is disabled (enabled: false)`, ...(ref.position ?? place), hint: `enable '${ref.name}', or drop it from the exposure '${definition.name}'` });
      } else if (!unavailable.has(ref.name)) {
        const guess = didYouMean(ref.name, resolver.names());
        problems.push({ code: 'STR205', message: `unknown ref '${ref.name}'${ref.package ? ` in package '${ref.package}'` : ''}`, ...(ref.position ?? place), hint: guess ? `did you mean '${guess}'?` : 'no model or seed has that name' });
      }
    }
    for (const call of definition.sources) {
      const source = resolver.source(call.source, call.table, packageName);
      if (source) add(source.id);
      else {
        const name = `${call.source}.${call.table}`;
        sourceNames ??= [...sources.values()].map((s) => `${s.sourceName}.${s.name}`);
        const guess = didYouMean(name, sourceNames);
        problems.push({ code: 'STR207', message: `unknown source '${name}'`, ...(call.position ?? place), hint: guess ? `did you mean '${guess}'?` : 'declare it under sources: in a schema YAML file' });
      }
    }
    const exposure: Exposure = {
      id,
      resourceType: 'exposure',
      name: definition.name,
      type: definition.type,
      packageName,
      path: definition.file,
      fqn: [packageName, ...folderParts(definition.file, definition.packageName), definition.name],
      owner: definition.owner,
      tags: definition.tags,
      meta: definition.meta,
      config: { enabled: true, tags: definition.tags, meta: definition.meta },
      dependsOn: { nodes: dependsOn },
      refs: definition.refs,
      sources: definition.sources,
      position: place,
    };
    if (definition.label !== undefined) exposure.label = definition.label;
    if (definition.description !== undefined) exposure.description = definition.description;
    if (definition.url !== undefined) exposure.url = definition.url;
    if (definition.maturity !== undefined) exposure.maturity = definition.maturity;
    if (definition.dashboard !== undefined) exposure.dashboard = definition.dashboard;
    exposures.set(id, exposure);
  }
  return exposures;
}

/** The folders of a YAML file below its resource folder: `models/gold/_gold.yml` → `['gold']`; a package's from its own root. */
function folderParts(file: string, packageName: string | undefined): string[] {
  const marker = packageName ? `/${packageName}/` : undefined;
  const own = marker && file.includes(marker) ? file.slice(file.indexOf(marker) + marker.length) : file;
  return own.split('/').slice(1, -1);
}
