import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { handleWakeUp } from '../processor/handleWakeUp';
import type { RunnerDeps } from '../processor/processRequest';
import { parseWakeUp } from '../queues/wakeUpQueue';
import { runnerDeps } from './backendDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { logRun, tenantOf, tenantOfMessage } from './runTelemetry';
import { createTelemetry, MetricUnit, type Telemetry } from './telemetry';

/** What the runner handler needs. */
export interface RunnerHandlerDeps {
  readonly runner: RunnerDeps;
  readonly telemetry: Telemetry;
}

/**
 * The runner's dependencies from the environment, around the workflows it runs.
 *
 * @example
 * export const handler = createRunnerHandler(runnerHandlerDeps(createWorkflowRegistry(workflows)));
 */
export function runnerHandlerDeps(registry: WorkflowRegistry): () => RunnerHandlerDeps {
  return () => {
    const telemetry = createTelemetry('runner');
    return { runner: runnerDeps(registry, telemetry.logger), telemetry };
  };
}

/**
 * The runner Lambda (the wake-up queue): every run of a durable request
 * happens here, in its own invocation, under the step leases — woken at once
 * by the processor, or later by a retry's backoff, a durable timer or the end
 * of a crashed runner's lease. A wake-up not yet due (SQS delays stop at 15
 * minutes) is re-queued for the rest. A failed message is reported and comes
 * back after its visibility timeout.
 */
export function createRunnerHandler(deps: Lazy<RunnerHandlerDeps>) {
  const resolve = resolvedOnce(deps);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const { runner, telemetry } = resolve();
    const handleRecord = async (record: SQSRecord): Promise<void> => {
      try {
        const wakeUp = parseWakeUp(record.body);
        const handled = await handleWakeUp(runner, wakeUp, () =>
          context.getRemainingTimeInMillis(),
        );
        if (handled.kind === 'ran') logRun(telemetry, wakeUp.requestKey, handled.outcome);
        else telemetry.logger.info('wake-up rescheduled', wakeUpFields(wakeUp.requestKey));
      } catch (error) {
        const tenant_id = tenantOfMessage(record.body);
        telemetry.logger.error('wake-up failed', {
          tenant_id,
          message_id: record.messageId,
          error,
        });
        throw error;
      }
    };
    // One processor per invocation: it keeps the batch's results.
    const response = await processPartialResponse(
      event,
      handleRecord,
      new BatchProcessor(EventType.SQS),
      { context, throwOnFullBatchFailure: false },
    );
    telemetry.metrics.addMetric('RunFailures', MetricUnit.Count, response.batchItemFailures.length);
    telemetry.metrics.publishStoredMetrics();
    return response;
  };
}

function wakeUpFields(requestKey: string) {
  return { tenant_id: tenantOf(requestKey), request_key: requestKey };
}
