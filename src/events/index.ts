// The port, event types and the in-memory twin: free of the AWS SDK. The
// DynamoDB adapter is imported from `src/events/dynamodb`.
export {
  AppendTooLargeError,
  CorruptLogItemError,
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidAppendError,
  VersionConflictError,
} from './errors';
export type { NewEvent, StoredEvent } from './event';
export { EVENT_SCHEMA_VERSION } from './event';
export type { EventStore, ReadOptions } from './eventStore';
export type {
  LifecycleEvent,
  LifecycleEventData,
  LifecycleEventOf,
  LifecycleEventType,
  RecordedError,
} from './lifecycle';
export {
  asLifecycleEvent,
  isTerminalEvent,
  LIFECYCLE_EVENT_TYPES,
  TERMINAL_EVENT_TYPES,
} from './lifecycle';
export { EVENT_STORE_LIMITS } from './limits';
export { InMemoryEventStore } from './memory/inMemoryEventStore';
export type { IdKind } from './requestKey';
export {
  checkId,
  ID_RULES,
  InvalidIdError,
  idProblem,
  parseRequestKey,
  toRequestKey,
} from './requestKey';
