import { createHash } from 'node:crypto';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { DeadLetterMessage, DeadLetterSink } from '../engine';

/** Options for {@link SqsDeadLetterQueue}. */
export interface SqsDeadLetterQueueOptions {
  readonly sqs: SQSClient;
  /** URL of a FIFO queue (`….fifo`): its de-duplication makes a re-sent message a no-op. */
  readonly queueUrl: string | (() => string);
}

/** A message received from the dead-letter queue, with the handle to delete it. */
export interface ReceivedDeadLetter {
  readonly message: DeadLetterMessage;
  readonly receiptHandle: string;
}

const recordedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  details: z.unknown().optional(),
});

const deadLetterMessageSchema = z.object({
  messageId: z.string().min(1),
  requestKey: z.string().min(1),
  tenantId: z.string().min(1),
  userId: z.string(),
  requestId: z.string(),
  action: z.string(),
  workflowVersion: z.number(),
  attempts: z.number(),
  errors: z.array(recordedErrorSchema),
  log: z.object({ requestKey: z.string(), fromSeq: z.number(), toSeq: z.number() }),
});

/** Parses a DLQ message body; throws on anything that is not a dead-letter message. */
export function parseDeadLetterMessage(body: string): DeadLetterMessage {
  return deadLetterMessageSchema.parse(JSON.parse(body));
}

/**
 * The dead-letter queue on SQS, FIFO. Sending derives `MessageDeduplicationId`
 * from the engine's stable `messageId`, so the engine may send again after a
 * crash and the queue still holds exactly one message per dead-letter
 * (invariant 6). Messages are grouped by request.
 *
 * A message is a notification, not the record: the log's
 * `request.dead_lettered` (and the request view's `deadLettered` index) is
 * what redrive trusts, so a message lost, expired or never received loses
 * no dead letter.
 */
export class SqsDeadLetterQueue implements DeadLetterSink {
  readonly #sqs: SQSClient;
  readonly #queueUrl: () => string;

  constructor(options: SqsDeadLetterQueueOptions) {
    this.#sqs = options.sqs;
    const { queueUrl } = options;
    this.#queueUrl = typeof queueUrl === 'function' ? queueUrl : () => queueUrl;
  }

  async send(message: DeadLetterMessage): Promise<void> {
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl(),
        MessageBody: JSON.stringify(message),
        MessageGroupId: sqsToken(message.requestKey),
        MessageDeduplicationId: sqsToken(message.messageId),
      }),
    );
  }

  /** Receives up to `max` (≤ 10) messages, waiting up to `waitSeconds` for the first. */
  async receive(max = 10, waitSeconds = 0): Promise<ReceivedDeadLetter[]> {
    const { Messages = [] } = await this.#sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.#queueUrl(),
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
      }),
    );
    return Messages.map((m) => ({
      message: parseDeadLetterMessage(m.Body ?? ''),
      receiptHandle: m.ReceiptHandle ?? '',
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.#sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.#queueUrl(), ReceiptHandle: receiptHandle }),
    );
  }
}

/**
 * An SQS group or de-duplication id for `value`: its SHA-256, in hex.
 *
 * SQS allows at most 128 characters of printable ASCII there, while request
 * keys are client-chosen (up to 257 characters of any Unicode). A mapping
 * that drops what SQS refuses collides (`dl-é`, `dl-ü` and `dl-ñ` all became
 * `dl-_`, so two dead letters were de-duplicated into one message); the
 * digest of the whole UTF-8 value does not, and is always 64 characters.
 *
 * @example
 * sqsToken('acme#dl-é#17') !== sqsToken('acme#dl-ü#17'); // true
 */
export function sqsToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
