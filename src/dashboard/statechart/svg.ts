import type { PlacedEdge, PlacedNode, StatechartLayout } from './layout';

/** Options of {@link statechartSvg}. */
export interface SvgOptions {
  /** Embed the stylesheet (for a file on its own); the dashboard styles it itself. Default true. */
  readonly standalone?: boolean;
  /** The accessible title (default: the root state's key). */
  readonly title?: string;
}

/** The stylesheet of a standalone statechart; the dashboard's CSS uses the same classes. */
export const STATECHART_CSS = `
.sc-node rect { fill: #fff; stroke: #475569; stroke-width: 1.2; }
.sc-node.sc-container > rect.sc-box { fill: #f8fafc; stroke-dasharray: 0; }
.sc-node.sc-parallel > rect.sc-box { stroke-dasharray: 5 3; }
.sc-node text { font: 13px ui-sans-serif, system-ui, sans-serif; fill: #0f172a; }
.sc-node text.sc-step { fill: #475569; font-size: 12px; }
.sc-node.sc-final rect.sc-inner { fill: none; }
.sc-initial { fill: #0f172a; }
.sc-edge path { fill: none; stroke: #64748b; stroke-width: 1.3; }
.sc-edge.sc-after path, .sc-edge.sc-always path { stroke-dasharray: 4 3; }
.sc-edge.sc-error path { stroke: #b91c1c; }
.sc-label { font: 12px ui-sans-serif, system-ui, sans-serif; fill: #334155; paint-order: stroke; stroke: #fff; stroke-width: 4px; text-anchor: middle; dominant-baseline: middle; }
.sc-arrow { fill: #64748b; }
`;

/** Escapes text for XML content and attribute values. */
export function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const n = (value: number) => String(Math.round(value * 10) / 10);

function nodeSvg(placed: PlacedNode): string {
  const { node, x, y, width, height } = placed;
  const classes = ['sc-node', `sc-${node.type}`, ...(placed.container ? ['sc-container'] : [])];
  const box = `<rect class="sc-box" x="${n(x)}" y="${n(y)}" width="${n(width)}" height="${n(height)}" rx="8"/>`;
  const inner =
    node.type === 'final'
      ? `<rect class="sc-inner" x="${n(x + 3)}" y="${n(y + 3)}" width="${n(width - 6)}" height="${n(height - 6)}" rx="6"/>`
      : '';
  const lines = placed.container
    ? [`<text x="${n(x + 12)}" y="${n(y + 20)}">${xml(node.key)}</text>`]
    : [
        `<text x="${n(x + width / 2)}" y="${n(y + 24)}" text-anchor="middle">${xml(node.key)}</text>`,
        ...node.invokes.map(
          (invoke, index) =>
            `<text class="sc-step" data-step="${xml(invoke.id)}" x="${n(x + width / 2)}" y="${n(y + 42 + index * 18)}" text-anchor="middle">▶ ${xml(invoke.id)}</text>`,
        ),
      ];
  return `<g class="${classes.join(' ')}" data-node="${xml(node.id)}">${box}${inner}${lines.join('')}</g>`;
}

function edgeSvg(edge: PlacedEdge): string {
  if (edge.points.length < 2) return '';
  const d = edge.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p.x)} ${n(p.y)}`).join(' ');
  const t = edge.transition;
  const kind = t ? t.kind : 'initial';
  const data = t
    ? ` data-edge="${edge.id}" data-event="${xml(t.event)}" data-source="${xml(t.source)}"`
    : ` data-edge="${xml(edge.id)}"`;
  const label = edge.label
    ? `<text class="sc-label" x="${n(edge.label.x)}" y="${n(edge.label.y)}">${xml(edge.label.text)}</text>`
    : '';
  return `<g class="sc-edge sc-${kind}"${data}><path d="${d}" marker-end="url(#sc-arrow)"/>${label}</g>`;
}

/**
 * Draws a laid-out statechart as an SVG document: one `<g data-node="…">`
 * per state (classes `sc-<type>`, a step line per invoke with
 * `data-step`), one `<g data-edge="…">` per transition edge. Every text is
 * escaped, so a state or event name cannot inject markup.
 *
 * @example
 * const svg = statechartSvg(await layoutStatechart(graph, new ELK()));
 */
export function statechartSvg(layout: StatechartLayout, options: SvgOptions = {}): string {
  const title = options.title ?? layout.nodes[0]?.node.key ?? 'statechart';
  const style = options.standalone === false ? '' : `<style>${STATECHART_CSS}</style>`;
  const marker =
    '<marker id="sc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path class="sc-arrow" d="M0 0 L10 5 L0 10 z"/></marker>';
  const initials = layout.initials
    .map(
      (i) =>
        `<circle class="sc-initial" data-initial-of="${xml(i.of)}" cx="${n(i.x)}" cy="${n(i.y)}" r="5"/>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart" viewBox="0 0 ${n(layout.width)} ${n(layout.height)}" width="${n(layout.width)}" height="${n(layout.height)}" role="img" aria-label="${xml(title)}">`,
    `<title>${xml(title)}</title>`,
    `<defs>${marker}</defs>`,
    style,
    layout.nodes.map(nodeSvg).join(''),
    initials,
    layout.edges.map(edgeSvg).join(''),
    '</svg>',
  ].join('\n');
}
