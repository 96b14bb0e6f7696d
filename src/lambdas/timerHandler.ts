import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { handleWakeUp } from '../processor/handleWakeUp';
import type { ProcessorDeps } from '../processor/processRequest';
import { parseWakeUp } from '../queues/wakeUpQueue';
import { backendDeps } from './backendDeps';
import { engineLogger } from './engineLogger';
import { tenantOf, tenantOfMessage } from './runTelemetry';

/**
 * The timer Lambda (wake-up queue): runs requests whose retry backoff or
 * lease has come due, and re-queues wake-ups longer than SQS's 15-minute
 * delay. A failed message is reported and comes back after its visibility
 * timeout. `deps` is a test seam.
 */
export function createTimerHandler(registry: WorkflowRegistry, deps?: ProcessorDeps) {
  const logger = new Logger({ serviceName: 'streamer', persistentKeys: { component: 'timer' } });
  let resolved = deps;
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    resolved ??= backendDeps(registry, engineLogger(logger)).processor;
    const processor = resolved;
    const failures = await Promise.all(
      event.Records.map(async (record) => {
        try {
          const wakeUp = parseWakeUp(record.body);
          const what = await handleWakeUp(processor, wakeUp, () =>
            context.getRemainingTimeInMillis(),
          );
          logger.info('wake-up handled', {
            tenant_id: tenantOf(wakeUp.requestKey),
            request_id: wakeUp.requestKey,
            what,
          });
          return undefined;
        } catch (error) {
          logger.error('wake-up failed', {
            tenant_id: tenantOfMessage(record.body),
            message_id: record.messageId,
            error,
          });
          return record.messageId;
        }
      }),
    );
    return {
      batchItemFailures: failures
        .filter((id): id is string => !!id)
        .map((itemIdentifier) => ({ itemIdentifier })),
    };
  };
}
