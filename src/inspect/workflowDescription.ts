import type { Workflow, WorkflowRegistry } from '../engine';
import { isSync } from '../engine';
import type { DescribeData, SignalDescription } from '../protocol/inspectData';
import { machineGraph } from './machineGraph';

/**
 * What `describe` answers about a registered workflow: its versions, how it
 * runs, the events a client may signal (with their JSON Schemas when the
 * schema library offers Standard JSON Schema) and its machine graph.
 * Undefined when no such action (or version) is registered.
 *
 * @example
 * describeWorkflow(registry, 'expense_approval')?.signals.map((s) => s.type); // ['approve', 'reject']
 */
export function describeWorkflow(
  registry: WorkflowRegistry,
  action: string,
  version?: number,
): DescribeData | undefined {
  const workflow = registry.get(action, version);
  if (!workflow) return undefined;
  const newest = registry.get(action)?.version ?? workflow.version;
  const versions: number[] = [];
  for (let v = 1; v <= newest; v++) if (registry.get(action, v)) versions.push(v);
  const graph = machineGraph(workflow.machine);
  return {
    action: workflow.action,
    version: workflow.version,
    versions,
    sync: isSync(workflow),
    estimated_duration: workflow.estimatedDuration,
    max_attempts: workflow.retry.maxAttempts,
    signals: signalsOf(workflow, graph.transitions),
    graph,
  };
}

/**
 * The workflow's declared `signals`, else every external event its machine
 * has a transition for (a machine without `signals` takes any event).
 */
export function signalsOf(
  workflow: Workflow,
  transitions: readonly { readonly kind: string; readonly event: string }[],
): SignalDescription[] {
  if (workflow.signals) {
    return Object.entries(workflow.signals).map(([type, schema]) => {
      const json = jsonSchemaOf(schema);
      return { type, ...(json && { schema: json }) };
    });
  }
  const types = new Set(transitions.filter((t) => t.kind === 'event').map((t) => t.event));
  return [...types].map((type) => ({ type }));
}

/** Standard JSON Schema (`~standard.jsonSchema`), when the library implements it; else undefined. */
function jsonSchemaOf(schema: unknown): Record<string, unknown> | undefined {
  const standard = (schema as { '~standard'?: { jsonSchema?: unknown } })['~standard'];
  const converter = standard?.jsonSchema as
    | { input?: (options: { target: string }) => Record<string, unknown> }
    | undefined;
  if (typeof converter?.input !== 'function') return undefined;
  try {
    return converter.input({ target: 'draft-2020-12' });
  } catch {
    // A schema the library cannot express as JSON Schema (a transform, a custom check): no form for it.
    return undefined;
  }
}
