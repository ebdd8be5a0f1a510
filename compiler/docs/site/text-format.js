// Text for the page: HTML escaping, a small Markdown subset for descriptions, SQL highlighting, sizes.

export function escapeHtml(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/**
 * Markdown as descriptions use it: paragraphs, lists, headings, fenced code, `code`, **bold**, *em*,
 * [links](url). Links are rendered as text with their address beside, never as live links: the site
 * opens offline, and a description must not make it reach out.
 */
export function renderMarkdown(text) {
  let html = '';
  let inCode = false;
  let code = [];
  for (const line of String(text ?? '').replace(/\r\n/g, '\n').split('\n').concat([''])) {
    if (line.trim().startsWith('```')) {
      if (inCode) html += `<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`;
      inCode = !inCode;
      code = [];
      continue;
    }
    if (inCode) code.push(line);
    else html += `${line}\n`;
  }
  return html
    .split(/\n\s*\n/)
    .map((para) => para.trim())
    .filter(Boolean)
    .map((para) => {
      if (para.startsWith('<pre>')) return para;
      const heading = /^(#{1,4})\s+(.*)$/.exec(para);
      if (heading) return `<h${heading[1].length + 2}>${inline(heading[2])}</h${heading[1].length + 2}>`;
      const lines = para.split('\n');
      if (lines.every((l) => /^\s*[-*]\s+/.test(l))) return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[-*]\s+/, ''))}</li>`).join('')}</ul>`;
      return `<p>${inline(para)}</p>`;
    })
    .join('');
}

function inline(text) {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^*])\*([^*]+)\*/g, '$1<em>$2</em>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<u>$1</u> ($2)');
}

const KEYWORDS = new Set(
  ('select from where group by order having limit offset join left right full inner outer cross on as and or not in is null case when then else end ' +
    'with union all distinct insert into values update set delete create table view replace over partition window coalesce cast filter ' +
    'interval lateral using exists between like ilike true false asc desc nulls first last rows range preceding following current row').split(' '),
);

/** SQL (with Jinja) as highlighted HTML: keywords, strings, numbers, comments, template tags. */
export function highlightSql(sql) {
  const token = /(\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\})|(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*')|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_]*)/g;
  let out = '';
  let last = 0;
  for (let match = token.exec(sql); match; match = token.exec(sql)) {
    out += escapeHtml(sql.slice(last, match.index));
    const [text, jinja, comment, string, number, word] = match;
    if (jinja) out += `<span class="jinja">${escapeHtml(text)}</span>`;
    else if (comment) out += `<span class="com">${escapeHtml(text)}</span>`;
    else if (string) out += `<span class="str">${escapeHtml(text)}</span>`;
    else if (number) out += `<span class="num">${text}</span>`;
    else if (word && KEYWORDS.has(word.toLowerCase())) out += `<span class="kw">${text}</span>`;
    else out += escapeHtml(text);
    last = match.index + text.length;
  }
  return out + escapeHtml(sql.slice(last));
}

export function formatBytes(bytes) {
  if (bytes === undefined || bytes === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatNumber(value) {
  return value === undefined || value === null ? '' : Number(value).toLocaleString('en-US');
}
