// Draws a laid-out lineage into the SVG, with zoom (wheel), pan (drag) and a click on a box. Above
// RENDER_ALL_LIMIT boxes only those in the window (and the edges touching them) are in the DOM,
// redrawn after each zoom or pan.
import { escapeHtml } from './text-format.js';

const RENDER_ALL_LIMIT = 1500;
const MARGIN = 200;

export class LineageView {
  constructor(svg, viewport, { onNode, onGroup }) {
    this.svg = svg;
    this.viewport = viewport;
    this.onNode = onNode;
    this.onGroup = onGroup;
    this.layout = { items: [], edges: [] };
    this.transform = { x: 0, y: 0, k: 1 };
    this.current = null;
    this.pending = false;
    this.listen();
  }

  show(layout) {
    this.layout = layout;
    this.itemById = new Map(layout.items.map((item) => [item.id, item]));
    this.fit();
  }

  highlight(id) {
    this.current = id;
    for (const el of this.viewport.querySelectorAll('.node.current')) el.classList.remove('current');
    if (id) this.viewport.querySelector(`.node[data-id="${CSS.escape(id)}"]`)?.classList.add('current');
  }

  fit() {
    const { items } = this.layout;
    const box = this.svg.getBoundingClientRect();
    if (items.length === 0 || box.width === 0) {
      this.transform = { x: 0, y: 0, k: 1 };
      this.draw();
      return;
    }
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const item of items) {
      minX = Math.min(minX, item.x - item.width / 2);
      maxX = Math.max(maxX, item.x + item.width / 2);
      minY = Math.min(minY, item.y - item.height / 2);
      maxY = Math.max(maxY, item.y + item.height / 2);
    }
    // Fit the width, but keep text readable: a tall graph is scrolled (panned), not shrunk to dots.
    const k = Math.max(0.25, Math.min(1, (box.width - 40) / (maxX - minX), (box.height - 40) / (maxY - minY)));
    this.transform = { k, x: 20 - minX * k, y: Math.max(20 - minY * k, (box.height - (maxY - minY) * k) / 2 - minY * k) };
    this.draw();
  }

  /** The graph-space rectangle in the window, grown by a margin. */
  visibleArea() {
    const box = this.svg.getBoundingClientRect();
    const { x, y, k } = this.transform;
    return { left: (-x - MARGIN) / k, top: (-y - MARGIN) / k, right: (box.width - x + MARGIN) / k, bottom: (box.height - y + MARGIN) / k };
  }

  draw() {
    const { items, edges } = this.layout;
    const all = items.length <= RENDER_ALL_LIMIT;
    const area = all ? null : this.visibleArea();
    const inView = (item) => all || (item.x + item.width / 2 >= area.left && item.x - item.width / 2 <= area.right && item.y + item.height / 2 >= area.top && item.y - item.height / 2 <= area.bottom);
    const shown = new Set();
    let boxes = '';
    for (const item of items) {
      if (!inView(item)) continue;
      shown.add(item.id);
      boxes += boxMarkup(item, item.id === this.current);
    }
    let lines = '';
    for (const edge of edges) {
      if (!all && !shown.has(edge.from) && !shown.has(edge.to)) continue;
      lines += `<path class="edge" d="${pathOf(edge.points)}"/>`;
    }
    this.viewport.innerHTML = lines + boxes;
    this.applyTransform();
    this.drawnAll = all;
  }

  applyTransform() {
    const { x, y, k } = this.transform;
    this.viewport.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
  }

  /** After a zoom or pan: move the drawing, and redraw once per frame when only part of it is drawn. */
  moved() {
    this.applyTransform();
    if (this.drawnAll || this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  listen() {
    this.svg.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault();
        const box = this.svg.getBoundingClientRect();
        const px = event.clientX - box.left;
        const py = event.clientY - box.top;
        const { x, y, k } = this.transform;
        const next = Math.min(4, Math.max(0.02, k * Math.exp(-event.deltaY * 0.0015)));
        this.transform = { k: next, x: px - ((px - x) / k) * next, y: py - ((py - y) / k) * next };
        this.moved();
      },
      { passive: false },
    );
    let drag = null;
    this.svg.addEventListener('pointerdown', (event) => {
      drag = { x: event.clientX, y: event.clientY, start: { ...this.transform }, moved: false, target: event.target };
    });
    window.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!drag.moved) this.svg.classList.add('panning');
      drag.moved = true;
      this.transform = { ...drag.start, x: drag.start.x + dx, y: drag.start.y + dy };
      this.moved();
    });
    window.addEventListener('pointerup', () => {
      if (drag && !drag.moved) this.click(drag.target);
      this.svg.classList.remove('panning');
      drag = null;
    });
  }

  click(target) {
    const box = target instanceof Element ? target.closest('.node, .group') : null;
    if (!box) return;
    const item = this.itemById.get(box.getAttribute('data-id'));
    if (!item) return;
    if (item.kind === 'group') this.onGroup(item);
    else this.onNode(item.id);
  }
}

function boxMarkup(item, current) {
  const left = item.x - item.width / 2;
  const top = item.y - item.height / 2;
  const maxChars = Math.floor((item.width - 14) / 7);
  const label = item.label.length > maxChars ? `${item.label.slice(0, maxChars - 1)}…` : item.label;
  const body = `<rect width="${item.width}" height="${item.height}"></rect><text x="8" y="${item.height / 2 + 4}">${escapeHtml(label)}</text><title>${escapeHtml(item.label)}</title>`;
  if (item.kind === 'group') return `<g class="group" data-id="${escapeHtml(item.id)}" transform="translate(${left},${top})">${body}</g>`;
  const status = item.node.run?.status ?? 'none';
  return `<g class="node${current ? ' current' : ''}" data-id="${escapeHtml(item.id)}" data-type="${item.node.resourceType}" data-status="${escapeHtml(status)}" transform="translate(${left},${top})">${body}</g>`;
}

function pathOf(points) {
  if (!points || points.length === 0) return '';
  let d = `M${points[0].x},${points[0].y}`;
  if (points.length === 2) {
    const [a, b] = points;
    const mid = (a.x + b.x) / 2;
    return `${d}C${mid},${a.y} ${mid},${b.y} ${b.x},${b.y}`;
  }
  for (let i = 1; i < points.length; i++) d += `L${points[i].x},${points[i].y}`;
  return d;
}
