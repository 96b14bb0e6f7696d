import {
  type ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { encodeFrame, PROTOCOL_LIMITS, type ServerFrame, utf8Length } from '../protocol';
import type { ConnectionStore } from './connectionStore';
import type { SubscriptionStore } from './subscriptionStore';

/** What happened to a posted frame. */
export type PostOutcome = 'sent' | 'gone';

/** Sends frames to connections through the Management API. */
export interface FramePoster {
  /**
   * Posts one frame. Resolves `'gone'` (after deleting the connection's
   * records) when the connection no longer exists; throws
   * {@link FrameTooLargeError} or {@link FramePostError} otherwise.
   */
  post(connectionId: string, frame: ServerFrame): Promise<PostOutcome>;
}

/** A frame over API Gateway's 128 KiB message limit; it was not sent. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  readonly retryable = false;
  constructor(
    readonly connectionId: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `Frame for ${connectionId} is ${sizeBytes} bytes, over the ${limitBytes}-byte WebSocket message limit: send a reference to the data instead`,
    );
  }
}

/** Posting failed for good (after retries, or a failure retrying cannot fix). */
export class FramePostError extends Error {
  override readonly name = 'FramePostError';
  constructor(
    readonly connectionId: string,
    readonly attempts: number,
    readonly retryable: boolean,
    options: { cause: unknown },
  ) {
    super(`Posting a frame to ${connectionId} failed after ${attempts} attempt(s)`, options);
  }
}

/** Backoff for throttling and 5xx answers: `baseDelayMs · 2^(attempt-1)`, capped, full jitter. */
export interface PostRetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The default: 4 attempts, 50 ms doubling up to 1 s. */
export const DEFAULT_POST_RETRY: PostRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
};

/** Dependencies of {@link ManagementApiFramePoster}. */
export interface ManagementApiFramePosterOptions {
  /** The SDK client for the API's endpoint; create it with `maxAttempts: 1` so only this policy retries. */
  readonly client: ApiGatewayManagementApiClient;
  readonly connections: ConnectionStore;
  /** When given, a gone connection's subscriptions are removed too. */
  readonly subscriptions?: SubscriptionStore;
  readonly retry?: PostRetryPolicy;
  readonly maxFrameBytes?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

function httpStatusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return metadata?.httpStatusCode;
}

function isRetryable(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  if (
    name === 'LimitExceededException' ||
    name === 'ThrottlingException' ||
    name === 'TooManyRequestsException'
  ) {
    return true;
  }
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  // No HTTP answer at all: a network failure (reset, refused, timeout).
  return true;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The frame poster over `@aws-sdk/client-apigatewaymanagementapi`: refuses
 * frames over the size limit, retries throttling and 5xx with capped
 * exponential backoff, and on 410 `GoneException` deletes the connection
 * record (and its subscriptions) and reports `'gone'` so the caller carries on.
 *
 * @example
 * const poster = new ManagementApiFramePoster({ client, connections, subscriptions });
 * await poster.post(connectionId, progressFrame); // 'sent' | 'gone'
 */
export class ManagementApiFramePoster implements FramePoster {
  readonly #options: ManagementApiFramePosterOptions;

  constructor(options: ManagementApiFramePosterOptions) {
    this.#options = options;
  }

  async post(connectionId: string, frame: ServerFrame): Promise<PostOutcome> {
    const data = encodeFrame(frame);
    const limit = this.#options.maxFrameBytes ?? PROTOCOL_LIMITS.gatewayMessageBytes;
    const size = utf8Length(data);
    if (size > limit) throw new FrameTooLargeError(connectionId, size, limit);
    const retry = this.#options.retry ?? DEFAULT_POST_RETRY;
    const sleep = this.#options.sleep ?? realSleep;
    const random = this.#options.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#options.client.send(
          new PostToConnectionCommand({
            ConnectionId: connectionId,
            Data: new TextEncoder().encode(data),
          }),
        );
        return 'sent';
      } catch (error) {
        if (
          error instanceof GoneException ||
          (error as { name?: unknown } | null)?.name === 'GoneException'
        ) {
          await this.#forget(connectionId);
          return 'gone';
        }
        const retryable = isRetryable(error);
        if (!retryable || attempt >= retry.maxAttempts) {
          throw new FramePostError(connectionId, attempt, retryable, { cause: error });
        }
        const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        await sleep(Math.floor(random() * ceiling));
      }
    }
  }

  async #forget(connectionId: string): Promise<void> {
    await Promise.all([
      this.#options.connections.delete(connectionId),
      this.#options.subscriptions?.deleteByConnection(connectionId),
    ]);
  }
}
