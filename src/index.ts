/**
 * `streamer-engine`: the authoring API. Everything a workflow module needs —
 * `defineWorkflow`, `step`, `map`, `childWorkflow`, `defineHandler`, the errors a step throws and
 * the types of a step's context — and nothing of the runtime plumbing
 * (stores, runners, handlers: `streamer-engine/runtime`).
 *
 * @example
 * import { setup } from 'xstate';
 * import { defineWorkflow, step } from 'streamer-engine';
 *
 * const greet = step<{ greeting: string }, { name: string }>(async ({ input }) => ({
 *   greeting: `Hello, ${input.name}`,
 * }));
 * export const workflows = [
 *   defineWorkflow({
 *     action: 'greet',
 *     version: 1,
 *     estimatedDuration: 30_000,
 *     input: nameSchema, // any Standard Schema: zod, valibot, arktype …
 *     machine: setup({ actors: { greet } }).createMachine({ … }),
 *   }),
 * ];
 *
 * @packageDocumentation
 */
export type { ChildWorkflowSpec } from './engine/childWorkflow';
export { childWorkflow } from './engine/childWorkflow';
export type { InputIssue } from './engine/errors';
export { NonRetryableError, StepAbortedError } from './engine/errors';
export type { EngineLogger } from './engine/logger';
export type { MapCheckpoint, MapItemContext, MapOptions } from './engine/mapStep';
export { map } from './engine/mapStep';
export type { RetryPolicy } from './engine/retry';
export type { InferOutput, StandardSchemaV1 } from './engine/standardSchema';
export type { ProgressReporter, StepContext, StepFunction } from './engine/step';
export { step } from './engine/step';
export type { HandlerOptions, Workflow, WorkflowOptions } from './engine/workflow';
export { defineHandler, defineWorkflow, SYNC_THRESHOLD_MS } from './engine/workflow';
