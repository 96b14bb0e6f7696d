import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { handleWakeUp } from '../processor/handleWakeUp';
import type { RunnerDeps } from '../processor/processRequest';
import { parseWakeUp } from '../queues/wakeUpQueue';
import { runnerDeps } from './backendDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
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
        const what = await handleWakeUp(runner, wakeUp, () => context.getRemainingTimeInMillis());
        telemetry.logger.info('wake-up handled', { request_key: wakeUp.requestKey, what });
      } catch (error) {
        telemetry.logger.error('wake-up failed', { message_id: record.messageId, error });
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
