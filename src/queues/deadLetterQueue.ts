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
 * The dead-letter queue on SQS, FIFO. Sending uses the engine's stable
 * `messageId` as `MessageDeduplicationId`, so the engine may send again after
 * a crash and the queue still holds exactly one message per exhausted request
 * (invariant 6). Messages are grouped by request.
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
        MessageGroupId: message.requestKey,
        MessageDeduplicationId: deduplicationId(message.messageId),
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

/** SQS de-duplication ids allow 128 characters of `[A-Za-z0-9!-~]`; request keys are client-chosen. */
function deduplicationId(messageId: string): string {
  const safe = messageId.replace(/[^!-~]/g, '_');
  if (safe.length <= 128) return safe;
  return createHash('sha256').update(messageId).digest('hex');
}
