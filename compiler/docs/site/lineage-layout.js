// Positions for the lineage: dagre (a layered layout, left to right) for graphs it lays out quickly,
// a collapsed view by folder beyond that, and columns by layer for a single folder too big for dagre.

/**
 * Above this many boxes dagre is not used: measured on the synthetic bench project (long edges across
 * many layers), dagre took 0.7–2 s at 300 nodes and 30 s at 1,000, mostly in crossing reduction.
 */
export const LAYOUT_LIMIT = 300;

const BOX_HEIGHT = 26;
const LINEAGE_TYPES = new Set(['model', 'seed', 'snapshot', 'source', 'exposure']);

export function isLineageNode(node) {
  return LINEAGE_TYPES.has(node.resourceType);
}

export function boxWidth(label) {
  return Math.min(260, Math.max(80, 16 + label.length * 7));
}

/** The folder a node is shown in when the graph is collapsed: `models/gold`, or `source:pagila`. */
export function folderOf(node) {
  if (node.resourceType === 'source') return `source:${node.sourceName}`;
  if (node.resourceType === 'exposure') return 'exposures';
  const slash = node.path.lastIndexOf('/');
  return slash < 0 ? '.' : node.path.slice(0, slash);
}

/**
 * The view of a selection: `{ mode, items, edges }` where items are nodes (`kind: 'node'`) or folders
 * (`kind: 'group'`, with `selector` and `count`), each with x, y (centre), width, height; edges are
 * `{ from, to, points }`. `ids` is in dependency order.
 */
export function layoutSelection(ids, byId) {
  const nodes = ids.map((id) => byId.get(id)).filter((n) => n && isLineageNode(n));
  const chosen = new Set(nodes.map((n) => n.id));
  const edges = [];
  for (const node of nodes) for (const parent of node.dependsOn.nodes) if (chosen.has(parent)) edges.push({ from: parent, to: node.id });
  if (nodes.length <= LAYOUT_LIMIT) {
    const items = nodes.map((n) => ({ kind: 'node', id: n.id, label: n.name, node: n }));
    return { mode: 'layered', ...dagreLayout(items, edges) };
  }
  const groups = new Map();
  for (const node of nodes) {
    const key = folderOf(node);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { kind: 'group', id: `group:${key}`, key, count: 0, types: new Set() }));
    group.count++;
    group.types.add(node.resourceType);
  }
  if (groups.size > 1 && groups.size <= LAYOUT_LIMIT) {
    const groupOf = new Map(nodes.map((n) => [n.id, `group:${folderOf(n)}`]));
    const seen = new Set();
    const groupEdges = [];
    for (const edge of edges) {
      const from = groupOf.get(edge.from);
      const to = groupOf.get(edge.to);
      if (from === to || seen.has(`${from}>${to}`)) continue;
      seen.add(`${from}>${to}`);
      groupEdges.push({ from, to });
    }
    const items = [...groups.values()].map((g) => ({ ...g, label: `${g.key} (${g.count})`, selector: g.key.startsWith('source:') ? g.key : g.key === 'exposures' ? 'resource_type:exposure' : `path:${g.key}` }));
    return { mode: 'folders', ...dagreLayout(items, transitiveReduction(groupEdges)) };
  }
  return { mode: 'columns', ...columnLayout(nodes, edges) };
}

/**
 * Drops an edge a→c when c is reachable from a through other edges. Between folders nearly every
 * later layer reads every earlier one; the long edges gave dagre over a thousand dummy vertices to
 * order (0.7–1.1 s for 22 folders), and drew a tangle that said no more than the reduced graph.
 */
function transitiveReduction(edges) {
  const out = new Map();
  for (const edge of edges) {
    if (!out.has(edge.from)) out.set(edge.from, []);
    out.get(edge.from).push(edge.to);
  }
  const reachableAvoiding = (from, to) => {
    const seen = new Set([from]);
    const stack = (out.get(from) ?? []).filter((next) => next !== to);
    while (stack.length > 0) {
      const next = stack.pop();
      if (next === to) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(out.get(next) ?? []));
    }
    return false;
  };
  return edges.filter((edge) => !reachableAvoiding(edge.from, edge.to));
}

function dagreLayout(items, edges) {
  const graph = new window.dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 10, ranksep: 56, marginx: 20, marginy: 20, ranker: 'tight-tree' });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const item of items) {
    item.width = boxWidth(item.label);
    item.height = item.kind === 'group' ? BOX_HEIGHT + 8 : BOX_HEIGHT;
    graph.setNode(item.id, { width: item.width, height: item.height });
  }
  for (const edge of edges) graph.setEdge(edge.from, edge.to);
  window.dagre.layout(graph);
  for (const item of items) {
    const placed = graph.node(item.id);
    item.x = placed.x;
    item.y = placed.y;
  }
  for (const edge of edges) edge.points = graph.edge(edge.from, edge.to)?.points ?? [];
  return { items, edges };
}

/** Layer = longest path from the selection's roots; one column per layer, names sorted in each. */
function columnLayout(nodes, edges) {
  const layer = new Map();
  const parents = new Map();
  for (const edge of edges) {
    if (!parents.has(edge.to)) parents.set(edge.to, []);
    parents.get(edge.to).push(edge.from);
  }
  for (const node of nodes) {
    let deepest = -1;
    for (const parent of parents.get(node.id) ?? []) deepest = Math.max(deepest, layer.get(parent) ?? 0);
    layer.set(node.id, deepest + 1);
  }
  const columns = [];
  for (const node of nodes) (columns[layer.get(node.id)] ??= []).push(node);
  const items = [];
  const byId = new Map();
  // A layer taller than this wraps into several columns, so a folder of thousands is a block, not a
  // strip tens of thousands of pixels tall.
  const rowsPerColumn = Math.max(30, Math.ceil(Math.sqrt(nodes.length)));
  let left = 140;
  for (const column of columns) {
    if (!column) continue;
    column.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    column.forEach((node, row) => {
      const x = left + Math.floor(row / rowsPerColumn) * 260;
      const item = { kind: 'node', id: node.id, label: node.name, node, width: 240, height: BOX_HEIGHT, x, y: 30 + (row % rowsPerColumn) * (BOX_HEIGHT + 8) };
      items.push(item);
      byId.set(node.id, item);
    });
    left += Math.ceil(column.length / rowsPerColumn) * 260 + 80;
  }
  for (const edge of edges) {
    const a = byId.get(edge.from);
    const b = byId.get(edge.to);
    edge.points = [{ x: a.x + a.width / 2, y: a.y }, { x: b.x - b.width / 2, y: b.y }];
  }
  return { items, edges };
}
