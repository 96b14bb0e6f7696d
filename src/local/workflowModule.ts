import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorkflowRegistry, type Workflow, type WorkflowRegistry } from '../engine';
import { createDemoRegistry } from '../workflows';

/**
 * A workflows module that cannot be served: missing, failing to load, without
 * a `workflows` export, or holding a workflow the engine cannot run. The
 * message names the module and says what to fix.
 */
export class WorkflowModuleError extends Error {
  override readonly name = 'WorkflowModuleError';
  constructor(
    readonly modulePath: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Loads a workflow module: a file that exports `workflows`, an array of
 * `defineWorkflow` / `defineHandler` results (the same convention the CDK
 * construct bundles, see docs/deploy.md), and registers them. Without a
 * path: the demo workflows. A TypeScript module is loaded without a build
 * step (through tsx); CommonJS and ES modules both work. Throws
 * {@link WorkflowModuleError} before anything is started.
 */
export async function loadWorkflowRegistry(
  modulePath: string | undefined,
  demoSpeed = 1,
): Promise<WorkflowRegistry> {
  if (!modulePath) return createDemoRegistry({ speed: demoSpeed });
  const workflows = await loadWorkflows(modulePath);
  try {
    return createWorkflowRegistry(workflows);
  } catch (error) {
    throw new WorkflowModuleError(modulePath, `${modulePath}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** The `workflows` export of the module at `modulePath`, checked to be workflows. */
export async function loadWorkflows(modulePath: string): Promise<Workflow[]> {
  const path = resolve(modulePath);
  if (!existsSync(path)) {
    throw new WorkflowModuleError(modulePath, `No workflows module at ${path}`);
  }
  let loaded: { workflows?: unknown; default?: { workflows?: unknown } };
  try {
    if (/\.[cm]?tsx?$/.test(path)) await loadTypeScript(modulePath);
    loaded = (await import(pathToFileURL(path).href)) as typeof loaded;
  } catch (error) {
    if (error instanceof WorkflowModuleError) throw error;
    throw new WorkflowModuleError(
      modulePath,
      `Cannot load the workflows module ${modulePath}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  // A CommonJS module's exports may only be visible on `default`.
  const workflows = loaded.workflows ?? loaded.default?.workflows;
  if (!Array.isArray(workflows)) {
    throw new WorkflowModuleError(
      modulePath,
      `${modulePath} must export \`workflows\`, an array of workflows built with defineWorkflow or defineHandler`,
    );
  }
  workflows.forEach((workflow: unknown, index) => {
    if (!isWorkflow(workflow)) {
      throw new WorkflowModuleError(
        modulePath,
        `${modulePath}: workflows[${index}] is not a workflow: build it with defineWorkflow or defineHandler from streamer-engine`,
      );
    }
  });
  return workflows as Workflow[];
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets this process import TypeScript. Run as TypeScript itself (`npm start`,
 * tests), a loader is already there; run from the built package, tsx is
 * registered for ES modules and CommonJS alike.
 */
function loadTypeScript(modulePath: string): Promise<void> {
  if (import.meta.url.endsWith('.ts')) return Promise.resolve();
  typeScriptLoader ??= (async () => {
    const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).catch(
      (error: unknown) => {
        throw new WorkflowModuleError(
          modulePath,
          `Loading the TypeScript module ${modulePath} needs tsx: npm install --save-dev tsx`,
          { cause: error },
        );
      },
    );
    esm.register();
    cjs.register();
  })();
  return typeScriptLoader;
}

function isWorkflow(value: unknown): value is Workflow {
  const candidate = value as Partial<Workflow> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.action === 'string' &&
    typeof candidate.version === 'number' &&
    typeof candidate.machine === 'object'
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
