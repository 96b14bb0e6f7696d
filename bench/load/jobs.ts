import type { HistogramJson } from '../stats';

/**
 * What the bench process asks the load generator (a separate process, see
 * `generator.ts`) to do, and what it reports back over IPC as JSON.
 */

/** A fixed-rate schedule: `rate` sends per second for `seconds`. */
export interface Schedule {
  readonly rate: number;
  readonly seconds: number;
}

/** Sync request/reply over `connections` sockets; latency = reply − scheduled send. */
export interface EchoJob extends Schedule {
  readonly kind: 'echo';
  /** WebSocket URL, with `?Authorization=<JWT>` for the gateway. */
  readonly url: string;
  readonly connections: number;
  /** How long to wait for the last replies after the schedule ends. */
  readonly drainMs: number;
}

/** Opens a connection per send; latency = open − scheduled connect. */
export interface ConnectJob extends Schedule {
  readonly kind: 'connect';
  /** Used round-robin (one JWT each for the gateway). */
  readonly urls: readonly string[];
}

/** Where fan-out frames come from. */
export type FanOutVia =
  | {
      /** `PostToConnection` with the real `@aws-sdk/client-apigatewaymanagementapi`. */
      readonly via: 'management';
      /** Management API endpoint (`http://127.0.0.1:<port>/<stage>`). */
      readonly endpoint: string;
      /** The receivers' connection ids are read from the connections table (by user). */
      readonly dynamoDbEndpoint: string;
      /** The stack's DynamoDB credentials (its DynamoDB Local keeps its data under them). */
      readonly dynamoDbCredentials: {
        readonly accessKeyId: string;
        readonly secretAccessKey: string;
      };
      readonly connectionsTable: string;
      readonly userId: string;
    }
  | {
      /** A raw `ws` relay: one message `<id>|<data>` over a control socket, one `send` on the server. */
      readonly via: 'relay';
    };

/** Frames to `connections` open sockets, round-robin; latency = arrival − scheduled post. */
export interface FanOutJob extends Schedule {
  readonly kind: 'fanout';
  /** Receivers connect here. */
  readonly url: string;
  readonly connections: number;
  readonly source: FanOutVia;
  readonly drainMs: number;
}

/**
 * Async requests: the `acknowledgment` is the route response, the terminal
 * frame arrives through the Management API; latency = terminal − scheduled send.
 */
export interface AsyncJob extends Schedule {
  readonly kind: 'async';
  readonly url: string;
  readonly connections: number;
  readonly action: string;
  readonly payload: unknown;
  /** Prefix of the client request ids (unique per job: a repeated id is a duplicate). */
  readonly idPrefix: string;
  readonly drainMs: number;
}

/** Any job. */
export type LoadJob = EchoJob | ConnectJob | FanOutJob | AsyncJob;

/** What a job measured. */
export interface LoadResult {
  readonly offeredRate: number;
  readonly sent: number;
  /** Successful completions (replies, opens, frames, `complete`s). */
  readonly ok: number;
  /** Error frames, refused or failed connects, failed posts, and sends never answered. */
  readonly errors: number;
  /** `ok` per second, from the first scheduled send to the last completion. */
  readonly achievedRate: number;
  /** Sends per second the generator actually managed (a generator falling behind shows here). */
  readonly sentRate: number;
  /** Latency from the scheduled send. */
  readonly latency: HistogramJson;
  /** More histograms (e.g. `ack`, `progressFromEvent`). */
  readonly histograms?: Readonly<Record<string, HistogramJson>>;
  /** Outstanding requests, sampled every 250 ms from the first send (async jobs). */
  readonly backlog?: readonly number[];
  /** Free-form counts. */
  readonly counts?: Readonly<Record<string, number>>;
}

/** Parent → generator. */
export interface JobMessage {
  readonly id: number;
  readonly job: LoadJob;
}

/** Generator → parent. */
export type JobReply =
  | { readonly id: number; readonly result: LoadResult }
  | { readonly id: number; readonly error: string };
