import { isTestNode, nodeId, type ManifestNode } from '../manifest/types.js';
import { StrataError } from '../diagnostics/strata-error.js';
import { checksumOf } from '../project/project-files.js';
import { compileNode } from './compile-node.js';
import { didYouMean } from '../diagnostics/did-you-mean.js';
import type { ParsedProject } from './parse-project.js';
import { parseTemplate } from './parse-template.js';

/**
 * Renders an ad-hoc query (`strata show --inline "select ... {{ ref('x') }}"`) as if it were a model of
 * the project, and returns its compiled SQL. The manifest is left as it was.
 */
export function compileInline(parsed: ParsedProject, text: string): string {
  const id = nodeId(`model.${parsed.project.name}.__inline__`);
  const path = '(inline)';
  const checksum = checksumOf(text);
  const config = { materialized: 'view' as const, enabled: true, tags: [], pre_hook: [], post_hook: [], indexes: [] };
  const template = parseTemplate(parsed.renderer, {
    path,
    text,
    checksum,
    model: { name: '__inline__', path, resource_type: 'model', config },
    baseConfig: config,
    guessThis: { schema: parsed.project.target.schema, identifier: '__inline__' },
  });
  const names = new Set(Object.values(parsed.manifest.nodes).filter((n) => !isTestNode(n)).map((n) => n.name));
  for (const ref of template.refs) {
    if (!names.has(ref.name)) {
      const guess = didYouMean(ref.name, names);
      throw new StrataError({ code: 'STR205', message: `unknown ref '${ref.name}'`, ...ref.position, file: path, hint: guess ? `did you mean '${guess}'?` : undefined });
    }
  }
  const node: ManifestNode = {
    id,
    resourceType: 'model',
    name: '__inline__',
    packageName: parsed.project.name,
    path,
    fqn: [parsed.project.name, '__inline__'],
    rawSql: text,
    checksum,
    config,
    dependsOn: { nodes: [], macros: template.macros },
    refs: template.refs,
    sources: template.sources,
    schema: parsed.project.target.schema,
    alias: '__inline__',
    columns: {},
  };
  parsed.manifest.nodes[id] = node;
  parsed.templates.set(id, template);
  try {
    return compileNode(parsed, id);
  } finally {
    delete parsed.manifest.nodes[id];
    parsed.templates.delete(id);
  }
}
