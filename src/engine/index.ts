/**
 * The Streamer engine: workflows as XState machines with durable steps,
 * replay, checkpoints, retries. Pure of AWS and `process.env`; the clock, the
 * event store and the dead-letter sink are injected.
 */

export type { ChildWorkflowSpec } from './childWorkflow';
export { childWorkflow } from './childWorkflow';
export type {
  CircuitChange,
  CircuitPolicy,
  CircuitState,
  CircuitStore,
  StoredCircuit,
} from './circuit';
export type {
  AcceptRequestCommand,
  AcceptResult,
  AppendedResult,
  CommandContext,
  ExternalEvent,
} from './commands';
export { acceptRequest, cancelRequest, redriveRequest, signalRequest } from './commands';
export {
  type CommittedEvent,
  commitWakeUpAt,
  WAKE_UP_EVENT_TYPES,
} from './commitWakeUp';
export type { ConcurrencyOptions } from './concurrency';
export { MAX_CONCURRENCY_LIMIT } from './concurrency';
export type { DeadLetterMessage, DeadLetterSink } from './deadLetter';
export type { CircuitReport } from './dependencyGuard';
export type { PendingTimer } from './durableTimers';
export type { InputIssue } from './errors';
export {
  EngineError,
  EventNotAcceptedError,
  EventValidationError,
  InputValidationError,
  NonRetryableError,
  NotAMachineError,
  NotAStepError,
  NotDeadLetteredError,
  RequestFinishedError,
  RequestNotFoundError,
  StepAbortedError,
  UnknownWorkflowError,
  UnregisteredActorError,
  WorkflowVersionMismatchError,
} from './errors';
export type { FlowControl, FlowReport } from './flowGate';
export type { InlineDeps, InlineResult } from './inline';
export { runInline } from './inline';
export type { EngineLogger } from './logger';
export { silentLogger, withAttributes } from './logger';
export type { MapCheckpoint, MapItemContext, MapOptions } from './mapStep';
export { map } from './mapStep';
export type {
  ProgressBatcher,
  ProgressBatcherOptions,
  ProgressUpdate,
  Timers,
} from './progressReporter';
export { createProgressBatcher, PROGRESS_INTERVAL_MS } from './progressReporter';
export { toRecordedError } from './recordedError';
export type { WorkflowRegistry } from './registry';
export { createWorkflowRegistry, validateInput } from './registry';
export type { RequestFailure, RequestState, StepInvocation } from './replay';
export { machineEventsOf, replay } from './replay';
export type { RetryPolicy } from './retry';
export { DEFAULT_RETRY_POLICY, retryDelayMs } from './retry';
export type { RunOutcome, RunRequestDeps } from './runner';
export { runRequest, SHORT_WAIT_MAX_MS, wakeUpAt } from './runner';
export { EndedReleases } from './runSlots';
export type {
  SlotClaim,
  SlotRelease,
  SlotReleased,
  SlotStore,
  SlotVerdict,
} from './slotStore';
export type { InferOutput, StandardSchemaV1, ValidationResult } from './standardSchema';
export type { ProgressReporter, StepContext, StepFunction } from './step';
export { step } from './step';
export type { StepOptions } from './stepOptions';
export { DEFAULT_CIRCUIT_POLICY } from './stepOptions';
export type { HandlerOptions, SignalSchemas, Workflow, WorkflowOptions } from './workflow';
export {
  defineHandler,
  defineWorkflow,
  isSync,
  machineFingerprint,
  SYNC_THRESHOLD_MS,
} from './workflow';
