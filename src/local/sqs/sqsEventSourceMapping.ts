import { setTimeout as sleepFor } from 'node:timers/promises';
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
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError(
      `batchSize must be an integer from 1 to 10,000 (Lambda's range), got ${batchSize}`,
    );
  }
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const windowMs = options.maximumBatchingWindowMs ?? 0;
  const region = options.region ?? LOCAL_AWS.region;
  const onError =
    options.onError ??
    ((error, context) => console.error(`[${options.functionName} SQS mapping] ${context}:`, error));
  const abort = new AbortController();
  let state: 'new' | 'running' | 'stopped' = 'new';
  let pollers: Promise<void>[] = [];

  const sleep = (ms: number) =>
    sleepFor(ms, undefined, { signal: abort.signal }).catch(() => undefined);

  const receive = async (max: number, wait: number): Promise<Message[]> => {
    const out = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queue.url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  const gather = async (): Promise<Message[]> => {
    const messages = await receive(batchSize, waitTimeSeconds);
    if (messages.length === 0 || windowMs <= 0) return messages;
    const windowEnds = Date.now() + windowMs;
    while (state === 'running' && messages.length < batchSize && Date.now() < windowEnds) {
      const more = await receive(batchSize - messages.length, 0);
      messages.push(...more);
      if (more.length === 0) await sleep(Math.min(50, windowEnds - Date.now()));
    }
    return messages;
  };

  // A receive is never aborted mid-flight: fauxqs would still hand the
  // messages to the dropped request and strand them until the visibility
  // timeout. Instead stop() lets it finish and puts what it got back at once.
  const release = async (messages: readonly Message[]) => {
    for (let i = 0; i < messages.length; i += 10) {
      await options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queue.url,
          Entries: messages.slice(i, i + 10).map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  };

  const remove = async (messages: readonly Message[]) => {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      const out = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queue.url,
          Entries: chunk.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      for (const failed of out.Failed ?? [])
        onError(failed, 'DeleteMessageBatch left a message in the queue');
    }
  };

  const handle = async (messages: Message[]) => {
    const records = messages.map((m) => toSqsRecord(m, options.queue.arn, region));
    const outcome = await invokeLocally(
      options.handler,
      { Records: records },
      {
        functionName: options.functionName,
        timeoutMs: options.functionTimeoutMs ?? DEFAULT_TIMEOUT_MS,
        region,
      },
    );
    if (!outcome.ok) {
      // Nothing is deleted: every message comes back after the visibility timeout.
      onError(outcome.error, `${options.functionName} failed on ${messages.length} message(s)`);
      return;
    }
    const failed = options.reportBatchItemFailures
      ? failedMessageIds(outcome.result, records)
      : new Set<string>();
    if (failed === 'all') {
      onError(
        outcome.result,
        `${options.functionName} returned an invalid batchItemFailures; the whole batch counts as failed`,
      );
      return;
    }
    await remove(messages.filter((m) => !failed.has(m.MessageId ?? '')));
  };

  const poll = async () => {
    let failures = 0;
    while (state === 'running') {
      try {
        const messages = await gather();
        failures = 0;
        if (messages.length === 0) continue;
        if (state === 'running') await handle(messages);
        else await release(messages);
      } catch (error) {
        if (state !== 'running') return;
        failures++;
        onError(error, `polling ${options.queue.url} failed`);
        await sleep(Math.min(2000, 100 * 2 ** failures));
      }
    }
  };

  return {
    functionName: options.functionName,
    start() {
      if (state !== 'new')
        throw new Error(
          `SQS mapping ${options.functionName} was already started; create a new one`,
        );
      state = 'running';
      pollers = Array.from({ length: Math.max(1, options.maximumConcurrency ?? 1) }, () => poll());
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopped';
      abort.abort();
      await Promise.allSettled(pollers);
    },
  };
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
