import { createDemoWorkflows } from '../src/workflows';

/**
 * The default workflow module of the deployed engine: the demo workflows of
 * `src/workflows` at normal speed. It is also the smallest example of the
 * convention a workflow module follows: export `workflows`, an array of
 * workflows built with `defineWorkflow` / `defineHandler`.
 */
export const workflows = Object.values(createDemoWorkflows());
