/**
 * `streamer-engine/client`: the browser and Node client of Streamer. It
 * reconnects by itself, resubscribes every followed run from its last
 * `seq`, and delivers each run's frames in order, exactly once
 * (docs/client.md). No server code and no AWS SDK: only partysocket, plus
 * `ws` on Node 20.
 *
 * @example
 * import type { workflows } from './workflows';
 * import { createClient, StreamerError } from 'streamer-engine/client';
 *
 * const client = createClient<typeof workflows>({ url, token: () => auth.getToken() });
 * const run = client.start('generate_report', { start_date: '2026-01-01', end_date: '2026-03-31', format: 'pdf', report_type: 'quarterly' });
 * for await (const frame of run.progress) console.log(frame.percentage, frame.message);
 * console.log(await run.result);
 */
export type { ErrorCode, FrameError } from '../protocol/errorCodes';
export type { CompleteFrame, ErrorFrame, ProgressFrame } from '../protocol/frames';
export type {
  DescribeData,
  HistoryCurrent,
  HistoryData,
  HistoryEvent,
  ListData,
  RunStatusName,
  RunSummary,
  SignalDescription,
  StateValue,
} from '../protocol/inspectData';
export type {
  GraphNode,
  GraphTransition,
  GraphTransitionKind,
  MachineGraph,
} from '../protocol/machineGraph';
export { DEFAULT_RECONNECT_POLICY, type ReconnectPolicy } from './backoff';
export {
  type AttachOptions,
  type ClientOptions,
  createClient,
  type StartOptions,
  type StreamerClient,
  type UnreadableFrameEvent,
} from './client';
export type { ConnectionEvent, TokenSource } from './connection';
export type { HistoryOptions, ListOptions, TimeInput } from './inspect';
export type { CancelReply, RunStatus, SignalReply } from './replies';
export type { RunHandle } from './run';
export type { RunFrame } from './runFeed';
export {
  type ClientErrorCode,
  StreamerError,
  type StreamerErrorCode,
  type StreamerErrorContext,
} from './streamerError';
export type { WebSocketConstructor } from './webSocketImpl';
export type {
  ActionOf,
  AnySignalEvent,
  AnyWorkflows,
  PayloadOf,
  ResultOf,
  SignalOf,
  WorkflowLike,
  WorkflowSet,
} from './workflowTypes';
