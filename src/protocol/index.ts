export { type ClientMessage, checkRequestId, parseClientMessage } from './clientMessage';
export {
  type CancelPayload,
  ENGINE_ACTIONS,
  type EngineAction,
  type EngineActionPayloads,
  isEngineAction,
  parseEngineActionPayload,
  type SignalPayload,
  type SubscribePayload,
  type TargetPayload,
  toValidationIssues,
  type ValidationIssue,
} from './engineActions';
export { ERROR_CODES, type ErrorCode, type FrameError, ProtocolError } from './errorCodes';
export {
  type AcknowledgmentFrame,
  acknowledgmentFrame,
  type CompleteFrame,
  type ErrorFrame,
  encodeFrame,
  errorFrame,
  failedResponseFrame,
  type PongFrame,
  type ProgressFrame,
  pongFrame,
  type ResponseFrame,
  responseFrame,
  type ServerFrame,
  type ServerFrameType,
} from './frames';
export {
  type DescribePayload,
  type HistoryPayload,
  INSPECT_LIMITS,
  type ListPayload,
  parseDescribePayload,
  parseHistoryPayload,
  parseListPayload,
} from './inspectActions';
export {
  type DescribeData,
  type HistoryCurrent,
  type HistoryData,
  type HistoryEvent,
  type ListData,
  RUN_STATUSES,
  type RunStatusData,
  type RunStatusName,
  type RunSummary,
  type SignalDescription,
  type StateValue,
} from './inspectData';
export { type ParseLimits, PROTOCOL_LIMITS } from './limits';
export type {
  GraphNode,
  GraphTransition,
  GraphTransitionKind,
  MachineGraph,
} from './machineGraph';
export {
  findPrototypeKey,
  forbiddenKeyError,
  jsonNestingDepth,
  parseJsonSafely,
  parseJsonWithinLimits,
  utf8Length,
} from './safeJson';
