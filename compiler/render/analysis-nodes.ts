/**
 * dbt's analyses: SQL files under `analysis-paths` (default `analyses/`), rendered like models (ref,
 * source, macros, vars) so `strata compile` writes them to target/compiled/, and never run. Nothing can
 * ref them; they are `analysis` nodes of manifest.json.
 */
import type { ManifestNode, NodeConfig } from '../manifest/types.js';
import type { Project } from '../project/load-project.js';
import { mergeConfig } from '../project/config-tree.js';
import type { NodeProperties } from '../project/schema-yaml.js';
import { baseConfig, fqnOf, nodeBase, normalizeLists } from './node-config.js';
import { parseTemplate, type ParsedTemplate } from './parse-template.js';
import type { Renderer } from './renderer.js';

/**
 * @example analysisNodes(project, renderer, collect).map((a) => a.node.id)  // ['analysis.shop.revenue_by_month']
 */
export function analysisNodes(
  project: Project,
  renderer: Renderer,
  collect: <T>(fn: () => T) => T | undefined,
  properties: Map<string, NodeProperties> = new Map(),
): { node: ManifestNode; template: ParsedTemplate }[] {
  const result: { node: ManifestNode; template: ParsedTemplate }[] = [];
  for (const file of project.files.analyses ?? []) {
    // dbt's fqn of an analysis: `[package, 'analysis', ...folders, name]`.
    const fqn = fqnOf(project.name, file.path, project.paths.analyses ?? ['analyses']);
    fqn.splice(1, 0, 'analysis');
    const name = fqn[fqn.length - 1]!;
    const props = properties.get(name);
    const base = baseConfig('view', {}, props?.config ?? {});
    const template = collect(() =>
      parseTemplate(renderer, {
        path: file.path,
        text: file.text,
        checksum: file.checksum,
        model: { name, path: file.path, resource_type: 'analysis', config: base, unique_id: `analysis.${project.name}.${name}`, package_name: project.name },
        packageName: project.name,
        baseConfig: base,
        guessThis: { schema: project.target.schema, identifier: name },
      }),
    );
    if (!template) continue;
    const config = normalizeLists(mergeConfig(base, template.config)) as NodeConfig;
    const node: ManifestNode = {
      ...nodeBase('analysis', project.name, name, file, fqn, config, props),
      refs: template.refs,
      sources: template.sources,
      dependsOn: { nodes: [], macros: template.macros },
    };
    result.push({ node, template });
  }
  return result;
}
