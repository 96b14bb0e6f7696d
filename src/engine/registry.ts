import { UnknownWorkflowError } from './errors';
import { assertRunnableMachine } from './machineCheck';
import { type ValidationResult, validateWithSchema } from './standardSchema';
import type { Workflow } from './workflow';

/**
 * Looks workflows up by action. Several versions of one action may be
 * registered at once so requests recorded under an older version can finish
 * after a deploy; new requests always get the newest.
 */
export interface WorkflowRegistry {
  /** The newest workflow for `action` or, with `version`, exactly that one; undefined when none. */
  get(action: string, version?: number): Workflow | undefined;
  /** Like {@link get}, but throws `UnknownWorkflowError`. */
  require(action: string, version?: number): Workflow;
  /** Every registered action name, sorted. */
  actions(): string[];
}

/**
 * Builds a registry from workflows. Registering the same action and version
 * twice is a programming error, and so is a machine the engine cannot run
 * (an invoked actor that is not registered, or not a step): both throw here,
 * at cold start, instead of failing requests later.
 *
 * @example
 * const registry = createWorkflowRegistry([...Object.values(createDemoWorkflows({ speed: 1 }))]);
 * registry.get('generate_report')?.estimatedDuration; // 120000
 */
export function createWorkflowRegistry(workflows: Iterable<Workflow>): WorkflowRegistry {
  const byAction = new Map<string, Map<number, Workflow>>();
  for (const workflow of workflows) {
    assertRunnableMachine(workflow.action, workflow.machine);
    const versions = byAction.get(workflow.action) ?? new Map<number, Workflow>();
    if (versions.has(workflow.version)) {
      throw new RangeError(`Workflow ${workflow.action} v${workflow.version} is registered twice`);
    }
    versions.set(workflow.version, workflow);
    byAction.set(workflow.action, versions);
  }
  const get = (action: string, version?: number): Workflow | undefined => {
    const versions = byAction.get(action);
    if (!versions) return undefined;
    if (version !== undefined) return versions.get(version);
    return versions.get(Math.max(...versions.keys()));
  };
  return {
    get,
    require(action, version) {
      const workflow = get(action, version);
      if (!workflow)
        throw new UnknownWorkflowError(version === undefined ? action : `${action}@v${version}`);
      return workflow;
    },
    actions: () => [...byAction.keys()].sort(),
  };
}

/**
 * Validates a request's input against the workflow's schema, then its
 * `validate` hook. Issues carry a dotted `path` and a `message`, ready for a
 * `VALIDATION_ERROR` frame's `details`.
 *
 * @example
 * const result = await validateInput(workflow, payload);
 * if (!result.ok) return validationError(result.issues); // [{ path: 'items', message: '…' }]
 */
export async function validateInput<TInput>(
  workflow: Workflow<TInput>,
  input: unknown,
): Promise<ValidationResult<TInput>> {
  const result = await validateWithSchema(workflow.input, input);
  if (!result.ok || !workflow.validate) return result;
  const issues = workflow.validate(result.value);
  return issues && issues.length > 0 ? { ok: false, issues } : result;
}
