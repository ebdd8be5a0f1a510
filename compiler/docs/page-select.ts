/**
 * The selector grammar in the docs page: the same parser and evaluator as `--select` (graph/), over the
 * nodes embedded in the page. Bundled for the browser at build time (bundle-site.ts); imports nothing
 * from Node.
 */
import { StrataError } from '../diagnostics/strata-error.js';
import { Dag } from '../graph/dag.js';
import { selectNodes } from '../graph/select-nodes.js';
import type { Exposure, Manifest, ManifestNode, SourceTable } from '../manifest/types.js';
import type { SiteNode } from './site-data.js';

export interface PageSelection {
  /** Nodes, sources and exposures selected (sources first, exposures last); empty on error. */
  ids: string[];
  /** The first problem (a malformed selector, a term that matched nothing), for the page to show. */
  message?: string;
}

/**
 * A function from the selector box's text (and an optional exclude text) to the selection.
 *
 * @example pageSelector(data.nodes)('+gold_customer_metrics').ids.includes('model.pagila.dim_customer') // true
 */
export function pageSelector(nodes: readonly SiteNode[]): (select: string, exclude?: string) => PageSelection {
  const exposures: Record<string, Exposure> = {};
  const manifest: Manifest = { projectName: '', nodes: {}, sources: {}, exposures, macros: {}, generatedAt: '' };
  for (const node of nodes) {
    if (node.resourceType === 'source') manifest.sources[node.id] = node as unknown as SourceTable;
    else if (node.resourceType === 'exposure') exposures[node.id] = node as unknown as Exposure;
    else manifest.nodes[node.id] = node as unknown as ManifestNode;
  }
  const dag = Dag.fromManifest(manifest);
  const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean);
  return (select, exclude) => {
    try {
      const selection = selectNodes(manifest, dag, { select: words(select), exclude: words(exclude) });
      return { ids: [...selection.sources, ...selection.ids, ...selection.exposures], message: selection.warnings[0]?.message };
    } catch (error) {
      if (error instanceof StrataError) return { ids: [], message: error.message };
      throw error;
    }
  };
}
