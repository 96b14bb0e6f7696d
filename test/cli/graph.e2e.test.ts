import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateNode } from 'xstate';
import { expenseApproval } from '../../examples/expense-approval/workflows';
import { drawGraph } from '../../src/cli/runs/graph';
import { createClient } from '../../src/client';
import { createWorkflowRegistry, type Workflow } from '../../src/engine';
import { machineGraph } from '../../src/inspect/machineGraph';
import { stackInfoOf, writeStackInfo } from '../../src/local/stackInfo';
import { createDemoWorkflows } from '../../src/workflows';
import { type StackHarness, startStackHarness } from '../support/localStackHarness';
import { runCli } from './cliRunner';

// `streamer graph <action>` for every demo workflow (and the starter app's
// expense approval), asked of the running local stack through `describe`:
// each drawing has every state and every transition of the machine, and is
// the one committed in docs/graphs/ (STREAMER_UPDATE_GRAPHS=1 rewrites them).
const GRAPHS = join(import.meta.dirname, '..', '..', 'docs', 'graphs');
const update = process.env.STREAMER_UPDATE_GRAPHS === '1';
const workflows: Workflow[] = [...Object.values(createDemoWorkflows()), expenseApproval];
let harness: StackHarness;
let cwd: string;

beforeAll(async () => {
  harness = await startStackHarness({ registry: createWorkflowRegistry(workflows) });
  const { stack } = harness;
  cwd = mkdtempSync(join(tmpdir(), 'streamer-graph-'));
  writeStackInfo(stackInfoOf(stack), join(cwd, '.streamer', 'local-stack.json'));
});
afterAll(async () => {
  await harness?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** Runs `fn` over `items`, `limit` at a time (the CLI is a process each). */
async function inBatches<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += limit)
    await Promise.all(items.slice(i, i + limit).map(fn));
}

/** Mermaid's name of each state: `state "<key>" as sN`, in the order the file declares them. */
function mermaidNames(text: string): string[] {
  return [...text.matchAll(/^\s*state "([^"]*)" as (s\d+)$/gm)].map((match) => match[2] ?? '');
}

/**
 * The machine's own states (XState's state node tree, pre-order: the order
 * Mermaid numbers them) and transitions, read without src/inspect, so a
 * state or transition the graph builder dropped fails the check.
 */
function machineShape(workflow: Workflow) {
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    nodes.push(node);
    for (const child of Object.values(node.states)) walk(child as AnyStateNode);
  };
  walk(workflow.machine.root as AnyStateNode);
  const transitions = nodes.flatMap((node) =>
    [...[...node.transitions.values()].flat(), ...(node.always ?? [])].map((transition) => ({
      source: node.id,
      targets: (transition.target ?? []).map((target: AnyStateNode) => target.id),
    })),
  );
  return { nodes, transitions };
}

function checkMermaid(workflow: Workflow, text: string): void {
  const { nodes, transitions } = machineShape(workflow);
  const names = mermaidNames(text);
  // Every state but the root is declared, with its key, in document order.
  const states = nodes.slice(1);
  expect(names).toEqual(states.map((_, index) => `s${index + 1}`));
  for (const [index, node] of states.entries()) {
    expect(text).toContain(`state "${node.key}" as s${index + 1}\n`);
  }
  const nameOf = (id: string) => `s${nodes.findIndex((node) => node.id === id)}`;
  let arrows = 0;
  for (const transition of transitions) {
    for (const target of transition.targets.length ? transition.targets : [transition.source]) {
      arrows++;
      expect(text).toMatch(
        new RegExp(`^\\s*${nameOf(transition.source)} --> ${nameOf(target)} : `, 'm'),
      );
    }
  }
  // … and nothing the machine does not have.
  expect(text.match(/^\s*s\d+ --> s\d+ : /gm) ?? []).toHaveLength(arrows);
}

function checkSvg(workflow: Workflow, svg: string): void {
  const graph = machineGraph(workflow.machine);
  for (const node of graph.nodes) expect(svg).toContain(`data-node="${node.id}"`);
  graph.transitions.forEach((transition, index) => {
    expect(svg).toMatch(
      new RegExp(`data-edge="t${index}" data-event="${transition.event.replace(/\./g, '\\.')}"`),
    );
  });
}

/** Compares `text` with the committed drawing (or rewrites it with STREAMER_UPDATE_GRAPHS=1). */
function checkCommitted(name: string, text: string): void {
  const file = join(GRAPHS, name);
  if (update) writeFileSync(file, text);
  else {
    const hint = `${file} is stale: STREAMER_UPDATE_GRAPHS=1 npx vitest run test/cli/graph.e2e.test.ts`;
    expect(text, hint).toBe(readFileSync(file, 'utf8'));
  }
}

describe('streamer graph', () => {
  it('draws every state and transition of each workflow in Mermaid, as committed in docs/graphs', async () => {
    await inBatches(workflows, 4, async (workflow) => {
      const result = await runCli(cwd, ['graph', workflow.action]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      checkMermaid(workflow, result.stdout);
      checkCommitted(`${workflow.action}.mmd`, result.stdout);
    });
  });

  it('draws each as SVG: the CLI for one, the same renderer on describe for the others', async () => {
    const result = await runCli(cwd, ['graph', 'expense_approval', '--format', 'svg']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    checkSvg(expenseApproval, result.stdout);
    checkCommitted('expense_approval.svg', result.stdout);
    const identity = harness.stack.devIdentity;
    const token = (await identity?.mintToken({ sub: 'docs', tenant_id: 'docs' })) ?? '';
    const client = createClient({ url: harness.stack.url, token });
    try {
      for (const workflow of workflows) {
        const svg = await drawGraph((await client.describe(workflow.action)).graph, 'svg');
        checkSvg(workflow, svg);
        checkCommitted(`${workflow.action}.svg`, svg);
      }
    } finally {
      client.close();
    }
  });

  it('prints the workflow description as JSON, and says when there is no such workflow', async () => {
    const described = await runCli(cwd, ['graph', 'expense_approval', '--json']);
    expect(JSON.parse(described.stdout)).toMatchObject({
      action: 'expense_approval',
      graph: machineGraph(expenseApproval.machine),
    });
    const missing = await runCli(cwd, ['graph', 'no_such_workflow']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('NOT_FOUND: Workflow no_such_workflow is not registered'),
    });
  });
});
