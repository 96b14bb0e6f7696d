import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { GraphNode, GraphTransition, MachineGraph } from '../../protocol/machineGraph';
import { childrenByParent } from './mermaid';

/** A laid-out state: absolute position and size (px). */
export interface PlacedNode {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Whether it has children drawn inside it. */
  readonly container: boolean;
}

/** The dot a compound state enters its initial child from. */
export interface PlacedInitial {
  readonly of: string;
  readonly x: number;
  readonly y: number;
}

/** A laid-out transition edge (one per target): a polyline, and where its label goes. */
export interface PlacedEdge {
  /** `t<index>` of the transition in `graph.transitions`, or `i:<node>` for an initial edge. */
  readonly id: string;
  readonly transition?: GraphTransition;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly label?: { readonly text: string; readonly x: number; readonly y: number };
}

/** A statechart ready to draw. */
export interface StatechartLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly initials: readonly PlacedInitial[];
  readonly edges: readonly PlacedEdge[];
}

/** The ELK instance to lay out with (`new ELK()` from `elkjs/lib/elk.bundled.js`). */
export type ElkEngine = Pick<ELK, 'layout'>;

const FONT_PX = 13;
const CHAR_PX = 7.4;
const LINE_PX = 18;
const INITIAL_PX = 10;

/** Width of a text line in the statechart's font, estimated (no DOM: the CLI lays out in Node too). */
export function textWidth(text: string): number {
  return Math.ceil(text.length * CHAR_PX);
}

function labelLines(node: GraphNode): string[] {
  return [node.key, ...node.invokes.map((invoke) => `▶ ${invoke.id}`)];
}

function nodeSize(node: GraphNode): { width: number; height: number } {
  const lines = labelLines(node);
  return {
    width: Math.max(90, ...lines.map(textWidth)) + 24,
    height: lines.length * LINE_PX + 16,
  };
}

function edgeLabel(transition: GraphTransition): string {
  return transition.guard === undefined
    ? transition.label
    : `${transition.label} [${transition.guard}]`;
}

/** The ELK input: states nested as in the machine, an initial dot per compound, every edge at the root. */
function elkInput(graph: MachineGraph): ElkNode {
  const children = childrenByParent(graph.nodes);
  const toElk = (node: GraphNode): ElkNode => {
    const kids = children.get(node.id) ?? [];
    if (kids.length === 0) return { id: node.id, ...nodeSize(node) };
    const initial: ElkNode[] = node.initial
      ? [{ id: `init:${node.id}`, width: INITIAL_PX, height: INITIAL_PX }]
      : [];
    return {
      id: node.id,
      labels: [{ text: node.key, width: textWidth(node.key), height: LINE_PX }],
      layoutOptions: {
        'elk.padding': `[top=${LINE_PX + 18},left=14,bottom=14,right=14]`,
        'elk.nodeLabels.placement': 'INSIDE V_TOP H_LEFT',
        ...(node.type === 'parallel' && { 'elk.direction': 'RIGHT' }),
      },
      children: [...initial, ...kids.map(toElk)],
    };
  };
  const edges: ElkExtendedEdge[] = [];
  for (const node of graph.nodes) {
    if (node.initial) {
      edges.push({ id: `i:${node.id}`, sources: [`init:${node.id}`], targets: [node.initial] });
    }
  }
  graph.transitions.forEach((transition, index) => {
    const targets = transition.targets.length > 0 ? transition.targets : [transition.source];
    targets.forEach((target, n) => {
      const text = edgeLabel(transition);
      edges.push({
        id: `t${index}.${n}`,
        sources: [transition.source],
        targets: [target],
        labels: [{ text, width: textWidth(text), height: FONT_PX + 4 }],
      });
    });
  });
  const root = graph.nodes.find((node) => node.id === graph.root);
  const top = root ? toElk(root) : { id: graph.root };
  return {
    id: '__graph',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '46',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: [top],
    edges,
  };
}

/**
 * Lays a machine graph out with ELK's layered algorithm (states nested in
 * their parents, parallel regions side by side). Deterministic: the same
 * graph gives the same layout, in Node and in browsers.
 *
 * @example
 * import ELK from 'elkjs/lib/elk.bundled.js';
 * const layout = await layoutStatechart(graph, new ELK());
 */
export async function layoutStatechart(
  graph: MachineGraph,
  elk: ElkEngine,
): Promise<StatechartLayout> {
  const result = await elk.layout(elkInput(graph));
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  const nodes: PlacedNode[] = [];
  const initials: PlacedInitial[] = [];
  const walk = (elkNode: ElkNode): void => {
    for (const child of elkNode.children ?? []) {
      const x = child.x ?? 0;
      const y = child.y ?? 0;
      if (child.id.startsWith('init:')) {
        initials.push({ of: child.id.slice(5), x: x + INITIAL_PX / 2, y: y + INITIAL_PX / 2 });
        continue;
      }
      const node = byId.get(child.id);
      if (node) {
        const size = { width: child.width ?? 0, height: child.height ?? 0 };
        nodes.push({ node, x, y, ...size, container: (child.children ?? []).length > 0 });
      }
      walk(child);
    }
  };
  walk(result);
  return {
    width: result.width ?? 0,
    height: result.height ?? 0,
    nodes,
    initials,
    edges: (result.edges ?? []).map((edge) => placedEdge(edge, graph)),
  };
}

function placedEdge(edge: ElkExtendedEdge, graph: MachineGraph): PlacedEdge {
  const points = (edge.sections ?? []).flatMap((section) => [
    section.startPoint,
    ...(section.bendPoints ?? []),
    section.endPoint,
  ]);
  const label = edge.labels?.[0];
  const index = edge.id.startsWith('t') ? Number(edge.id.slice(1).split('.')[0]) : Number.NaN;
  const transition = Number.isNaN(index) ? undefined : graph.transitions[index];
  return {
    id: edge.id.startsWith('t') ? `t${index}` : edge.id,
    ...(transition && { transition }),
    points: points.map((point) => ({ x: point.x, y: point.y })),
    ...(label?.text !== undefined && {
      label: {
        text: label.text,
        x: (label.x ?? 0) + (label.width ?? 0) / 2,
        y: (label.y ?? 0) + (label.height ?? 0) / 2,
      },
    }),
  };
}
