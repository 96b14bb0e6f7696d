import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';

/** SQS delays a message by at most 15 minutes. */
export const MAX_SQS_DELAY_SECONDS = 900;

/** What a wake-up message says: look at this request again at `dueAt`. */
export interface WakeUp {
  readonly requestKey: string;
  /** Epoch ms at which the request is due (a retry's backoff, an expired lease …). */
  readonly dueAt: number;
}

const wakeUpSchema = z.object({ requestKey: z.string().min(1), dueAt: z.number() });

/** Parses a wake-up message body; throws on anything else. */
export function parseWakeUp(body: string): WakeUp {
  return wakeUpSchema.parse(JSON.parse(body));
}

/** Options for {@link SqsWakeUpScheduler}. */
export interface SqsWakeUpSchedulerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string | (() => string);
  readonly clock: () => number;
}

/**
 * Durable timers on an SQS queue. A request that must be looked at later
 * (retry backoff, a lease held by a runner that may have crashed) gets a
 * message delayed until it is due; the timer Lambda consumes it and runs the
 * request. Delays over SQS's 15-minute cap are chained: the consumer sees the
 * request is not yet due and schedules the remainder. No Lambda sleeps, and a
 * crash loses nothing because the message stays in the queue until handled.
 *
 * @example
 * await scheduler.schedule({ requestKey: 'acme#r1', dueAt: clock() + 30_000 });
 */
export class SqsWakeUpScheduler {
  readonly #sqs: SQSClient;
  readonly #queueUrl: () => string;
  readonly #clock: () => number;

  constructor(options: SqsWakeUpSchedulerOptions) {
    this.#sqs = options.sqs;
    const { queueUrl } = options;
    this.#queueUrl = typeof queueUrl === 'function' ? queueUrl : () => queueUrl;
    this.#clock = options.clock;
  }

  /** Enqueues a wake-up delayed until `dueAt` (or the 15-minute cap, then chained). */
  async schedule(wakeUp: WakeUp): Promise<void> {
    await this.#sqs.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl(),
        MessageBody: JSON.stringify(wakeUp),
        DelaySeconds: delaySecondsUntil(wakeUp.dueAt, this.#clock()),
      }),
    );
  }
}

/** Seconds to delay a message so it arrives at `dueAt`, rounded up and capped at SQS's maximum. */
export function delaySecondsUntil(dueAt: number, now: number): number {
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - now) / 1000)));
}
