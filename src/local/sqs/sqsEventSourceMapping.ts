import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
  SQSRecordAttributes,
} from 'aws-lambda';
import { DEFAULT_TIMEOUT_MS, invokeLocally } from '../lambdaContext';
import { LOCAL_AWS } from '../localAws';
import { backoffDelay, sleepUnlessAborted } from '../pacing';

/** Between failed polls: 200 ms, doubling, at most 2 s. */
const POLL_BACKOFF = { initialMs: 100, maxMs: 2_000 };

/** An SQS Lambda handler, exactly the shape AWS invokes. */
export type SqsMappingHandler = (
  event: SQSEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: an `async` handler that returns nothing is a valid Lambda handler
) => Promise<SQSBatchResponse | void>;

/** Settings of a local SQS event-source mapping; names follow Lambda's `EventSourceMapping`. */
export interface SqsEventSourceMappingOptions {
  /** The function's name, for its `Context`. */
  readonly functionName: string;
  readonly handler: SqsMappingHandler;
  /** A client for the local SQS (see `LocalSqs.createClient`). */
  readonly sqs: SQSClient;
  /** The queue to consume. */
  readonly queue: { readonly url: string; readonly arn: string };
  /** `BatchSize`: most messages per invocation, 1–10,000. Default 10. */
  readonly batchSize?: number;
  /** `MaximumBatchingWindowInSeconds`, in ms: keep gathering after the first message for this long. Default 0. */
  readonly maximumBatchingWindowMs?: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`: delete all but the returned `batchItemFailures`. Default false. */
  readonly reportBatchItemFailures?: boolean;
  /** Long-poll wait of each `ReceiveMessage`, 0–20 s; `stop()` waits for the current one. Default 1 s (Lambda: 20 s). */
  readonly waitTimeSeconds?: number;
  /** `ScalingConfig.MaximumConcurrency`: pollers (and so invocations) running at once. Default 1. */
  readonly maximumConcurrency?: number;
  /** The function's timeout, which `context.getRemainingTimeInMillis()` counts down from. Default 60 s. */
  readonly functionTimeoutMs?: number;
  /** `awsRegion` on records. Default {@link LOCAL_AWS}'s. */
  readonly region?: string;
  /** Problems of the mapping itself and failed invocations. Default: `console.error`. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** A running (or stopped) local SQS event-source mapping. */
export interface SqsEventSourceMapping {
  readonly functionName: string;
  /** Starts the pollers. */
  start(): void;
  /**
   * Stops polling: waits for the current long poll (up to `waitTimeSeconds`)
   * and puts back what it returns, waits for in-flight invocations and their
   * deletes, and resolves when nothing is left running.
   */
  stop(): Promise<void>;
}

/**
 * Creates a local stand-in for Lambda's SQS event-source mapping: long-polls
 * the queue, invokes `handler` with the `SQSEvent` Lambda would pass, deletes
 * the messages of a successful invocation (all but the reported
 * `batchItemFailures` when enabled) and leaves failed ones alone, so they come
 * back after the queue's visibility timeout and, with a `RedrivePolicy`, land
 * in its dead-letter queue after `maxReceiveCount` receives.
 *
 * @example
 * const mapping = createSqsEventSourceMapping({
 *   functionName: 'streamer-wake-up',
 *   handler: wakeUpHandler,
 *   sqs: localSqs.createClient(),
 *   queue: localSqs.queues.wakeUp,
 *   reportBatchItemFailures: true,
 * });
 * mapping.start();
 * // …
 * await mapping.stop();
 */
export function createSqsEventSourceMapping(
  options: SqsEventSourceMappingOptions,
): SqsEventSourceMapping {
  const mapping = new LocalSqsEventSourceMapping(options);
  // A plain object, as before: `start` and `stop` still work detached (`stops.push(m.stop)`).
  return {
    functionName: mapping.functionName,
    start: () => mapping.start(),
    stop: () => mapping.stop(),
  };
}

class LocalSqsEventSourceMapping implements SqsEventSourceMapping {
  readonly functionName: string;
  readonly #options: SqsEventSourceMappingOptions;
  readonly #batchSize: number;
  readonly #waitTimeSeconds: number;
  readonly #windowMs: number;
  readonly #region: string;
  readonly #onError: (error: unknown, context: string) => void;
  readonly #abort = new AbortController();
  #state: 'new' | 'running' | 'stopped' = 'new';
  #pollers: Promise<void>[] = [];

  constructor(options: SqsEventSourceMappingOptions) {
    this.#options = options;
    this.functionName = options.functionName;
    this.#batchSize = options.batchSize ?? 10;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > 10_000) {
      throw new RangeError(
        `batchSize must be an integer from 1 to 10,000 (Lambda's range), got ${this.#batchSize}`,
      );
    }
    this.#waitTimeSeconds = options.waitTimeSeconds ?? 1;
    this.#windowMs = options.maximumBatchingWindowMs ?? 0;
    this.#region = options.region ?? LOCAL_AWS.region;
    this.#onError =
      options.onError ??
      ((error, context) =>
        console.error(`[${options.functionName} SQS mapping] ${context}:`, error));
  }

  get #running(): boolean {
    return this.#state === 'running';
  }

  start(): void {
    if (this.#state !== 'new')
      throw new Error(`SQS mapping ${this.functionName} was already started; create a new one`);
    this.#state = 'running';
    const concurrency = Math.max(1, this.#options.maximumConcurrency ?? 1);
    this.#pollers = Array.from({ length: concurrency }, () => this.#poll());
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#abort.abort();
    await Promise.allSettled(this.#pollers);
  }

  /** One poller: gather a batch, hand it to the function, back off while SQS fails. */
  async #poll(): Promise<void> {
    let failures = 0;
    while (this.#running) {
      try {
        const messages = await this.#gather();
        failures = 0;
        if (messages.length === 0) continue;
        if (this.#running) await this.#handle(messages);
        else await this.#release(messages);
      } catch (error) {
        if (!this.#running) return;
        failures++;
        this.#onError(error, `polling ${this.#options.queue.url} failed`);
        await this.#sleep(backoffDelay(failures + 1, POLL_BACKOFF));
      }
    }
  }

  /** One long poll, then (with a batching window) more receives until the batch is full or the window ends. */
  async #gather(): Promise<Message[]> {
    const messages = await this.#receive(this.#batchSize, this.#waitTimeSeconds);
    if (messages.length === 0 || this.#windowMs <= 0) return messages;
    const windowEnds = Date.now() + this.#windowMs;
    while (this.#running && messages.length < this.#batchSize && Date.now() < windowEnds) {
      const more = await this.#receive(this.#batchSize - messages.length, 0);
      messages.push(...more);
      if (more.length === 0) await this.#sleep(Math.min(50, windowEnds - Date.now()));
    }
    return messages;
  }

  async #receive(max: number, wait: number): Promise<Message[]> {
    const out = await this.#options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  }

  /** Invokes the function on a batch and deletes what it processed. */
  async #handle(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, this.#options.queue.arn, this.#region));
    const outcome = await invokeLocally(
      this.#options.handler,
      { Records: records },
      {
        functionName: this.functionName,
        timeoutMs: this.#options.functionTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        region: this.#region,
      },
    );
    if (!outcome.ok) {
      // Nothing is deleted: every message comes back after the visibility timeout.
      this.#onError(outcome.error, `${this.functionName} failed on ${messages.length} message(s)`);
      return;
    }
    const failed = this.#options.reportBatchItemFailures
      ? failedMessageIds(outcome.result, records)
      : new Set<string>();
    if (failed === 'all') {
      this.#onError(
        outcome.result,
        `${this.functionName} returned an invalid batchItemFailures; the whole batch counts as failed`,
      );
      return;
    }
    await this.#remove(messages.filter((m) => !failed.has(m.MessageId ?? '')));
  }

  // A receive is never aborted mid-flight: fauxqs would still hand the
  // messages to the dropped request and strand them until the visibility
  // timeout. Instead stop() lets it finish and puts what it got back at once.
  async #release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.#options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#options.queue.url,
          Entries: messages.slice(i, i + 10).map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  async #remove(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await this.#options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.#options.queue.url,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      for (const failed of out.Failed ?? [])
        this.#onError(failed, 'DeleteMessageBatch left a message in the queue');
    }
  }

  /** Sleeps, waking early (without throwing) when the mapping stops. */
  async #sleep(ms: number): Promise<void> {
    await sleepUnlessAborted(ms, this.#abort.signal);
  }
}

/**
 * Reads an SQS handler's `batchItemFailures`: the ids to keep in the queue,
 * or `'all'` when an identifier is empty or names no message of the batch
 * (Lambda then treats the whole batch as failed).
 */
function failedMessageIds(result: unknown, records: readonly SQSRecord[]): Set<string> | 'all' {
  if (result === null || result === undefined || typeof result !== 'object') return new Set();
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'all';
    failed.add(id);
  }
  return failed;
}

/** Converts a received message into the record Lambda passes for it. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ...system,
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? '',
    SenderId: system.SenderId ?? '',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? '',
  };
  const messageAttributes: SQSMessageAttributes = Object.create(null);
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = toLambdaMessageAttribute(value);
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes && {
      md5OfMessageAttributes: message.MD5OfMessageAttributes,
    }),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toLambdaMessageAttribute(value: MessageAttributeValue): SQSMessageAttributes[string] {
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    ...(value.BinaryValue !== undefined && {
      binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
    }),
    stringListValues: [...(value.StringListValues ?? [])],
    binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
  };
}
