import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWorkflowRegistry, type Workflow, type WorkflowRegistry } from '../engine';
import { createDemoRegistry } from '../workflows';

/**
 * Loads a workflow module: a file that exports `workflows`, an array of
 * `defineWorkflow` / `defineHandler` results (the same convention the CDK
 * construct bundles, see docs/deploy.md). Without a path: the demo workflows.
 */
export async function loadWorkflowRegistry(
  modulePath: string | undefined,
  demoSpeed = 1,
): Promise<WorkflowRegistry> {
  if (!modulePath) return createDemoRegistry({ speed: demoSpeed });
  const loaded = (await import(pathToFileURL(resolve(modulePath)).href)) as { workflows?: unknown };
  if (!Array.isArray(loaded.workflows)) {
    throw new Error(
      `${modulePath} must export \`workflows\`, an array of workflows built with defineWorkflow or defineHandler`,
    );
  }
  return createWorkflowRegistry(loaded.workflows as Workflow[]);
}
