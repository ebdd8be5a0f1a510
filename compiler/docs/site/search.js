// Search over names, descriptions and columns (names, descriptions, comments) of models, seeds,
// snapshots and sources; every word of the query must appear; name matches first.
import { escapeHtml } from './text-format.js';

export function createSearch(nodes) {
  let index = null;
  const build = () =>
    nodes
      .filter((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test')
      .map((node) => ({
        node,
        name: node.name.toLowerCase(),
        text: [node.name, node.description, ...node.columns.flatMap((c) => [c.name, c.description, c.comment ?? ''])].join(' ').toLowerCase(),
      }));
  return (query, limit = 50) => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    index ??= build();
    const hits = [];
    for (const entry of index) {
      if (!words.every((w) => entry.text.includes(w))) continue;
      const where = words.every((w) => entry.name.includes(w)) ? 0 : 1;
      hits.push({ entry, where });
    }
    hits.sort((a, b) => a.where - b.where || a.entry.name.length - b.entry.name.length || (a.entry.name < b.entry.name ? -1 : 1));
    return hits.slice(0, limit).map((hit) => ({ node: hit.entry.node, matched: hit.where === 0 ? 'name' : matchedIn(hit.entry.node, words) }));
  };
}

function matchedIn(node, words) {
  const column = node.columns.find((c) => words.some((w) => `${c.name} ${c.description} ${c.comment ?? ''}`.toLowerCase().includes(w)));
  return column ? `column ${column.name}` : 'description';
}

export function resultsHtml(results) {
  if (results.length === 0) return '<li><em>No match</em></li>';
  return results
    .map(({ node, matched }, i) => `<li data-node="${escapeHtml(node.id)}"${i === 0 ? ' class="active"' : ''}><strong>${escapeHtml(node.name)}</strong> <span class="kind">${node.resourceType}</span><small>${escapeHtml(matched)} · ${escapeHtml(node.description || node.path)}</small></li>`)
    .join('');
}
