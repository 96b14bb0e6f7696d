import { setTimeout as sleep } from 'node:timers/promises';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../src/local';

// A run's first lease commit schedules a wake-up for when the lease ends (the
// crash net, `commitWakeUpAt`): a runner budget after the run started (60 s
// locally, 20 s in a quick run). A scenario that counts calls per request
// waits for those before it starts (so an earlier scenario's do not land in
// its window) and before it stops counting (so its own are in it).

/** How long a run's lease wake-up can take to come and be handled: the local runner's budget and some. */
const WAKE_UPS_MAX_WAIT_MS = 90_000;

/**
 * Waits until the local stack's wake-up queue holds nothing (none visible, in flight or
 * delayed) twice in a row, a second apart; logs when it gives up.
 */
export async function wakeUpsHandled(
  stack: Pick<LocalStack, 'sqs' | 'queueUrls'>,
  log: (message: string) => void,
): Promise<void> {
  const attributes = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ] as const;
  const giveUpAt = Date.now() + WAKE_UPS_MAX_WAIT_MS;
  let emptyInARow = 0;
  while (emptyInARow < 2) {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.queueUrls.wakeUp,
        AttributeNames: [...attributes],
      }),
    );
    const pending = attributes.reduce((sum, name) => sum + Number(Attributes[name] ?? 0), 0);
    emptyInARow = pending === 0 ? emptyInARow + 1 : 0;
    if (Date.now() > giveUpAt) {
      log(`wake-up queue still holds ${pending} messages after ${WAKE_UPS_MAX_WAIT_MS / 1000} s`);
      return;
    }
    await sleep(1_000);
  }
}
