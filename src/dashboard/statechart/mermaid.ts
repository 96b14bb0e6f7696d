import type { GraphNode, GraphTransition, MachineGraph } from '../../protocol/machineGraph';

/**
 * A machine graph as a Mermaid `stateDiagram-v2` (what `streamer graph
 * --format mermaid` prints; GitHub renders it in Markdown). Every state is
 * declared with its key as its label; each transition sits in the block of
 * the closest state containing both its ends; a state's steps are its
 * description; a final state leads to `[*]`.
 *
 * @example
 * toMermaid(graph);
 * // stateDiagram-v2
 * //   state "checking" as s1
 * //   [*] --> s1
 * //   s1 --> s2 : done checkReceipts
 */
export function toMermaid(graph: MachineGraph): string {
  const names = new Map(graph.nodes.map((node, index) => [node.id, `s${index}`]));
  const nameOf = (id: string) => names.get(id) ?? 's_unknown';
  const children = childrenByParent(graph.nodes);
  const edgesIn = edgesByContainer(graph);
  const lines = ['stateDiagram-v2'];
  const emit = (parent: GraphNode, depth: number): void => {
    const indent = '  '.repeat(depth);
    const kids = children.get(parent.id) ?? [];
    kids.forEach((node, index) => {
      if (parent.type === 'parallel' && index > 0) lines.push(`${indent}--`);
      lines.push(`${indent}state "${quoted(node.key)}" as ${nameOf(node.id)}`);
      const grandchildren = children.get(node.id) ?? [];
      if (grandchildren.length > 0) {
        lines.push(`${indent}state ${nameOf(node.id)} {`);
        emit(node, depth + 1);
        lines.push(`${indent}}`);
      }
      if (node.invokes.length > 0) {
        lines.push(
          `${indent}${nameOf(node.id)} : runs ${node.invokes.map((i) => i.id).join(', ')}`,
        );
      }
    });
    if (parent.initial) lines.push(`${indent}[*] --> ${nameOf(parent.initial)}`);
    for (const node of kids) {
      if (node.type === 'final') lines.push(`${indent}${nameOf(node.id)} --> [*]`);
    }
    for (const transition of edgesIn.get(parent.id) ?? []) {
      const label = mermaidLabel(transition);
      for (const target of transition.targets.length > 0
        ? transition.targets
        : [transition.source]) {
        lines.push(`${indent}${nameOf(transition.source)} --> ${nameOf(target)} : ${label}`);
      }
    }
  };
  const root = graph.nodes.find((node) => node.id === graph.root);
  if (root) emit(root, 1);
  return `${lines.join('\n')}\n`;
}

/** Children of each node, in document order. */
export function childrenByParent(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const children = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    if (node.parent === undefined) continue;
    children.set(node.parent, [...(children.get(node.parent) ?? []), node]);
  }
  return children;
}

/** Ancestors of a node, itself first, up to the root. */
export function ancestorsOf(nodes: readonly GraphNode[], id: string): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const chain: string[] = [];
  for (let at = byId.get(id); at; at = at.parent === undefined ? undefined : byId.get(at.parent)) {
    chain.push(at.id);
  }
  return chain;
}

/**
 * The node a transition is drawn in: the closest proper ancestor of its
 * source that also contains every target (a self-transition sits in its
 * source's parent).
 */
export function containerOf(graph: MachineGraph, transition: GraphTransition): string {
  const sourceLine = ancestorsOf(graph.nodes, transition.source).slice(1);
  const targetLines = transition.targets.map((target) => ancestorsOf(graph.nodes, target));
  const common = sourceLine.find((id) =>
    targetLines.every((line) => line.includes(id) && line[0] !== id),
  );
  return common ?? graph.root;
}

function edgesByContainer(graph: MachineGraph): Map<string, GraphTransition[]> {
  const edges = new Map<string, GraphTransition[]>();
  for (const transition of graph.transitions) {
    const container = containerOf(graph, transition);
    edges.set(container, [...(edges.get(container) ?? []), transition]);
  }
  return edges;
}

/** A transition's label without the characters Mermaid reads as syntax. */
export function mermaidLabel(transition: GraphTransition): string {
  const guard = transition.guard === undefined ? '' : ` [${transition.guard}]`;
  return `${transition.label}${guard}`
    .replace(/[:;#{}"]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function quoted(text: string): string {
  return text.replace(/"/g, "'");
}
