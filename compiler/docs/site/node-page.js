// The page of one node (shown in the side panel): description, details and stats, last run, columns
// with types from the catalog and their tests, upstream and downstream, raw and compiled SQL.
import { escapeHtml, formatBytes, formatNumber, highlightSql, renderMarkdown } from './text-format.js';

/**
 * `context`: { byId, childrenOf (id → ids), testsOf (id → test nodes), sql (id → [raw, compiled]) }.
 */
export function nodePageHtml(node, context) {
  const parts = [`<button class="close" type="button" title="Close" data-close>×</button>`];
  parts.push(`<span class="kind">${escapeHtml(node.resourceType)}</span> ${statusBadge(node.run?.status)}`);
  parts.push(`<h1 id="node-title">${escapeHtml(node.name)}</h1>`);
  parts.push(`<div class="description">${node.description ? renderMarkdown(node.description) : '<p><em>No description.</em></p>'}</div>`);
  if (node.exposure) parts.push(exposureDetails(node));
  parts.push(`<h2>Details</h2><dl class="details">${details(node)}</dl>`);
  if (node.run) parts.push(`<h2>Last run</h2><dl class="details">${lastRun(node.run)}</dl>`);
  if (node.test) parts.push(testDetails(node, context));
  if (node.columns.length > 0) parts.push(`<h2>Columns</h2>${columnsTable(node, context)}`);
  const modelTests = (context.testsOf.get(node.id) ?? []).filter((t) => !t.test?.columnName);
  if (modelTests.length > 0) parts.push(`<h2>Tests</h2><ul class="tests">${modelTests.map((t) => `<li>${nodeLink(t)} ${statusBadge(t.run?.status)}</li>`).join('')}</ul>`);
  const upstream = node.dependsOn.nodes.map((id) => context.byId.get(id)).filter(Boolean);
  const downstream = (context.childrenOf.get(node.id) ?? []).map((id) => context.byId.get(id)).filter((n) => n && n.resourceType !== 'test' && n.resourceType !== 'unit_test');
  parts.push(`<h2>Upstream (${upstream.length})</h2>${linkList(upstream)}`);
  parts.push(`<h2>Downstream (${downstream.length})</h2>${linkList(downstream)}`);
  const sql = context.sql?.[node.id];
  if (node.resourceType !== 'source' && node.resourceType !== 'seed' && node.resourceType !== 'exposure') {
    if (!sql) parts.push(`<h2>SQL</h2><p><em>Loading…</em></p>`);
    else {
      if (sql[0]) parts.push(`<h2>Source SQL</h2><pre><code class="sql raw">${highlightSql(sql[0])}</code></pre>`);
      if (sql[1]) parts.push(`<h2>Compiled SQL</h2><pre><code class="sql compiled">${highlightSql(sql[1])}</code></pre>`);
    }
  }
  return parts.join('\n');
}

export function nodeLink(node) {
  return `<a class="node-link" href="#!/node/${encodeURIComponent(node.id)}" data-node="${escapeHtml(node.id)}">${escapeHtml(node.name)}</a>`;
}

export function statusBadge(status) {
  return status ? `<span class="badge ${escapeHtml(status.replace(/\s+/g, '-'))}">${escapeHtml(status)}</span>` : '';
}

function details(node) {
  const rows = [
    ['id', node.id],
    ['path', node.path],
    ['relation', node.relation],
    ['relation type', node.relationType],
    ['materialized', node.resourceType === 'source' ? undefined : node.config.materialized],
    ['tags', [...(node.tags ?? []), ...(node.config.tags ?? [])].join(', ')],
    ['rows', formatNumber(node.stats.rowCount)],
    ['size', formatBytes(node.stats.bytes)],
    ['owner', node.stats.owner],
    ['indexes', node.stats.indexes?.join('\n')],
  ];
  return rows
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([label, value]) => `<dt>${label}</dt><dd${label === 'indexes' ? ' style="white-space:pre-wrap"' : ''}>${escapeHtml(value)}</dd>`)
    .join('');
}

/** What an exposure is and who owns it; a dashboard's opens from here. Its url is text, never a live link. */
function exposureDetails(node) {
  const { type, label, owner, maturity, url, dashboard } = node.exposure;
  const email = [owner?.email ?? []].flat().join(', ');
  const rows = [
    ['type', escapeHtml(type)],
    ['label', escapeHtml(label ?? '')],
    ['owner', escapeHtml([owner?.name, email].filter(Boolean).join(' · '))],
    ['maturity', escapeHtml(maturity ?? '')],
    ['url', url ? `<code>${escapeHtml(url)}</code>` : ''],
    ['dashboard', dashboard ? `<a class="open-dashboard" href="#!/dashboard/${encodeURIComponent(dashboard)}">Open the dashboard</a>` : ''],
  ];
  return `<h2>Exposure</h2><dl class="details">${rows.filter(([, v]) => v).map(([l, v]) => `<dt>${l}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function lastRun(run) {
  const rows = [
    ['status', statusBadge(run.status)],
    ['duration', `${run.executionTime.toFixed(2)} s`],
    ['rows', run.rowsAffected === null ? '' : escapeHtml(formatNumber(run.rowsAffected))],
    ['failures', run.failures === null ? '' : escapeHtml(String(run.failures))],
    ['finished', escapeHtml(run.completedAt ?? '')],
    ['message', escapeHtml(run.message ?? '')],
  ];
  return rows.filter(([, value]) => value !== '').map(([label, value]) => `<dt>${label}</dt><dd>${value}</dd>`).join('');
}

function testDetails(node, context) {
  const attached = node.test.attachedNode ? context.byId.get(node.test.attachedNode) : undefined;
  const rows = [
    ['test', escapeHtml(node.test.name ?? 'singular')],
    ['on', attached ? nodeLink(attached) : ''],
    ['column', escapeHtml(node.test.columnName ?? '')],
  ];
  return `<h2>Test</h2><dl class="details">${rows.filter(([, v]) => v).map(([l, v]) => `<dt>${l}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function columnsTable(node, context) {
  const tests = context.testsOf.get(node.id) ?? [];
  const rows = node.columns.map((column) => {
    const own = tests.filter((t) => t.test?.columnName?.toLowerCase() === column.name.toLowerCase());
    const badges = own.map((t) => `<span class="test"><a class="node-link" href="#!/node/${encodeURIComponent(t.id)}" data-node="${escapeHtml(t.id)}">${escapeHtml(t.test.name ?? t.name)}</a>${statusBadge(t.run?.status)}</span>`).join(' ');
    const description = column.description ? renderMarkdown(column.description) : escapeHtml(column.comment ?? '');
    return `<tr data-column="${escapeHtml(column.name)}"><td><code>${escapeHtml(column.name)}</code></td><td class="column-type">${escapeHtml(column.type ?? '')}</td><td>${description}</td><td>${badges}</td></tr>`;
  });
  return `<table class="columns"><thead><tr><th>Column</th><th>Type</th><th>Description</th><th>Tests</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function linkList(nodes) {
  if (nodes.length === 0) return '<p><em>None.</em></p>';
  return `<ul class="links">${nodes.map((n) => `<li>${nodeLink(n)} <small>${escapeHtml(n.resourceType)}</small></li>`).join('')}</ul>`;
}
