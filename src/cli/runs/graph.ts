import { writeFileSync } from 'node:fs';
import type { DescribeData } from '../../client';
import { layoutStatechart } from '../../dashboard/statechart/layout';
import { toMermaid } from '../../dashboard/statechart/mermaid';
import { statechartSvg } from '../../dashboard/statechart/svg';
import { describeWorkflow } from '../../inspect/workflowDescription';
import { loadWorkflowRegistry } from '../../local/workflowModule';
import type { MachineGraph } from '../../protocol/machineGraph';
import { printJson } from './output';

/** Options of `streamer graph <action>`. */
export interface GraphOptions {
  readonly format?: string;
  readonly out?: string;
  /** Read the machine from this workflows module instead of asking the engine (`describe`). */
  readonly workflows?: string;
  readonly version?: number;
  readonly json?: boolean;
}

/** The formats `streamer graph` draws. */
export const GRAPH_FORMATS = ['mermaid', 'svg'] as const;

/** Loads elkjs, which `--format svg` needs (an optional peer dependency of the package). */
async function loadElk() {
  try {
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    return new ELK();
  } catch (error) {
    throw new Error(
      `streamer graph --format svg lays the chart out with elkjs: npm install --save-dev elkjs@0.12.1 (${(error as Error).message})`,
    );
  }
}

/** A graph drawn as Mermaid text or an SVG document. */
export async function drawGraph(graph: MachineGraph, format: string): Promise<string> {
  if (format === 'mermaid') return toMermaid(graph);
  if (format === 'svg') return `${statechartSvg(await layoutStatechart(graph, await loadElk()))}\n`;
  throw new Error(`--format must be ${GRAPH_FORMATS.join(' or ')}, got ${format}`);
}

/** The workflow's description from a workflows module, without any engine. */
export async function describeFromModule(
  modulePath: string,
  action: string,
  version?: number,
): Promise<DescribeData> {
  const described = describeWorkflow(await loadWorkflowRegistry(modulePath), action, version);
  if (!described)
    throw new Error(
      `${modulePath} registers no workflow ${action}${version ? ` v${version}` : ''}`,
    );
  return described;
}

/**
 * `streamer graph <action>`: the workflow's statechart as Mermaid (default)
 * or SVG, to stdout or `--out`; `--json` prints `describe`'s answer itself.
 */
export async function printGraph(described: DescribeData, options: GraphOptions): Promise<number> {
  if (options.json) {
    printJson(described);
    return 0;
  }
  const text = await drawGraph(described.graph, options.format ?? 'mermaid');
  if (options.out) writeFileSync(options.out, text);
  else process.stdout.write(text);
  return 0;
}
