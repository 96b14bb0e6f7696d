/**
 * `streamer-engine/runtime`: what hosts the engine, for people who wire
 * their own Lambdas or run it somewhere else — the commands (accept, cancel,
 * signal, redrive), the runner and replay, the event stores (DynamoDB and
 * in-memory), the request view, the queues, the table definitions and the
 * seven Lambda handler factories. Workflows themselves are written with
 * `streamer-engine`.
 *
 * @example
 * import { createRunnerHandler, createWorkflowRegistry, runnerHandlerDeps } from 'streamer-engine/runtime';
 * import { workflows } from './workflows';
 * export const handler = createRunnerHandler(runnerHandlerDeps(createWorkflowRegistry(workflows)));
 *
 * @packageDocumentation
 */

// The engine: commands, the runner, replay, the registry.
export type {
  AcceptRequestCommand,
  AcceptResult,
  AppendedResult,
  CommandContext,
  DeadLetterMessage,
  DeadLetterSink,
  EngineLogger,
  ExternalEvent,
  InlineDeps,
  InlineResult,
  InputIssue,
  PendingTimer,
  ProgressBatcher,
  ProgressBatcherOptions,
  ProgressUpdate,
  RequestFailure,
  RequestState,
  RetryPolicy,
  RunOutcome,
  RunRequestDeps,
  StepInvocation,
  Timers,
  ValidationResult,
  WorkflowRegistry,
} from './engine';
export {
  acceptRequest,
  cancelRequest,
  createProgressBatcher,
  createWorkflowRegistry,
  DEFAULT_RETRY_POLICY,
  EngineError,
  EventNotAcceptedError,
  InputValidationError,
  isSync,
  machineEventsOf,
  machineFingerprint,
  NotAMachineError,
  NotAStepError,
  NotDeadLetteredError,
  PROGRESS_INTERVAL_MS,
  RequestFinishedError,
  RequestNotFoundError,
  redriveRequest,
  replay,
  retryDelayMs,
  runInline,
  runRequest,
  SHORT_WAIT_MAX_MS,
  signalRequest,
  silentLogger,
  toRecordedError,
  UnknownWorkflowError,
  UnregisteredActorError,
  validateInput,
  WorkflowVersionMismatchError,
  wakeUpAt,
} from './engine';

// The event log: the port, its adapters and the tenant-scoped request key.
export type {
  EventStore,
  IdKind,
  LifecycleEvent,
  LifecycleEventData,
  LifecycleEventType,
  NewEvent,
  ReadOptions,
  RecordedError,
  StoredEvent,
} from './events';
export {
  AppendTooLargeError,
  checkId,
  EVENT_SCHEMA_VERSION,
  EVENT_STORE_LIMITS,
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  ID_RULES,
  InMemoryEventStore,
  InvalidAppendError,
  InvalidIdError,
  idProblem,
  isTerminalEvent,
  parseRequestKey,
  TERMINAL_EVENT_TYPES,
  toRequestKey,
  VersionConflictError,
} from './events';
export type { DynamoDbEventStoreOptions } from './events/dynamodb';
export { DynamoDbEventStore, parseStreamRecord, requestKeysOf } from './events/dynamodb';
// The Lambda handler factories and their settings.
export { createAuthorizerHandler } from './lambdas/authorizer';
export { createConnectHandler } from './lambdas/connect';
export { createDisconnectHandler } from './lambdas/disconnect';
export type {
  AuthorizerHandlerDeps,
  ConnectionHandlerDeps,
  RouterHandlerDeps,
} from './lambdas/frontDoorDeps';
export {
  authorizerHandlerDeps,
  connectionHandlerDeps,
  routerHandlerDeps,
} from './lambdas/frontDoorDeps';
export type { Lazy } from './lambdas/handlerDeps';
export type { ProcessorHandlerDeps } from './lambdas/processor';
export { createProcessorHandler, processorHandlerDeps } from './lambdas/processor';
export type { ProjectorHandlerDeps } from './lambdas/projector';
export { createProjectorHandler, projectorHandlerDeps } from './lambdas/projector';
export { createRouterHandler } from './lambdas/routerHandler';
export type { RunnerHandlerDeps } from './lambdas/runnerHandler';
export { createRunnerHandler, runnerHandlerDeps } from './lambdas/runnerHandler';
export type { FunctionComponent, MetricsSink, Telemetry } from './lambdas/telemetry';
export { createTelemetry } from './lambdas/telemetry';
export type { WebSocketEvent } from './lambdas/webSocketEvent';
// Dispatching and running requests from wake-ups; the dead-letter and wake-up queues.
export type { DispatchDeps } from './processor/dispatch';
export { dispatchWakeUps } from './processor/dispatch';
export type { RunnerDeps, WakeUpScheduler } from './processor/processRequest';
export { processRequest } from './processor/processRequest';
// The request view and frames.
export type { DynamoDbRequestViewStoreOptions } from './projections/dynamodb/requestViewStore';
export { DynamoDbRequestViewStore } from './projections/dynamodb/requestViewStore';
export { frameForEvent, framesForEvents } from './projections/progressFeed';
export type {
  ProjectionResult,
  ProjectorDeps,
  RequestViewStore,
  SubscriberChanges,
  ViewSaved,
} from './projections/projector';
export { projectRequest } from './projections/projector';
export type { RequestStatus, RequestView, RequestViewError } from './projections/requestView';
export {
  evolveRequestView,
  foldRequestView,
  REQUEST_VIEW_TTL_SECONDS,
} from './projections/requestView';
export type { SqsDeadLetterQueueOptions } from './queues/deadLetterQueue';
export { SqsDeadLetterQueue } from './queues/deadLetterQueue';
export type { RedriveDeps, RedriveReport } from './queues/redrive';
export { redriveDeadLetters } from './queues/redrive';
export type { SqsWakeUpSchedulerOptions, WakeUp } from './queues/wakeUpQueue';
export { SqsWakeUpScheduler } from './queues/wakeUpQueue';
export type {
  AuthorizerConfig,
  BackendConfig,
  DispatcherConfig,
  FrontDoorConfig,
} from './settings/config';
export {
  InvalidSettingError,
  MissingSettingError,
  readAuthorizerConfig,
  readBackendConfig,
  readDispatcherConfig,
  readFrontDoorConfig,
} from './settings/config';
export { ENV } from './settings/environment';
export type { RunnerMappingSettings, StreamMappingSettings } from './settings/mappings';
export { EVENT_SOURCE_MAPPINGS } from './settings/mappings';
// The tables every deployment creates.
export { createTables } from './tables/createTables';
export type { TableDefinition, TableNames, TableRole } from './tables/definitions';
export { tableNames, tables } from './tables/definitions';
