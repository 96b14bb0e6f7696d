import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { type DispatchDeps, dispatchWakeUps } from '../processor/dispatch';
import { dispatcherDeps } from './backendDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { createTelemetry, MetricUnit, type Telemetry } from './telemetry';

/** What the processor handler needs. */
export interface ProcessorHandlerDeps {
  readonly dispatch: DispatchDeps;
  readonly telemetry: Telemetry;
}

/** The processor's dependencies from the environment. */
export function processorHandlerDeps(): ProcessorHandlerDeps {
  return { dispatch: dispatcherDeps(), telemetry: createTelemetry('processor') };
}

/**
 * The processor Lambda (the requests table's stream): each record is a
 * wake-up for its request, dispatched to the runner through the wake-up
 * queue; no workflow runs here, so the batch returns in milliseconds.
 */
export function createProcessorHandler(deps: Lazy<ProcessorHandlerDeps> = processorHandlerDeps) {
  const resolve = resolvedOnce(deps);
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { dispatch, telemetry } = resolve();
    const response = await dispatchWakeUps(dispatch, event.Records, (requestKey, error) =>
      telemetry.logger.error('wake-up not dispatched', { request_key: requestKey, error }),
    );
    const failed = response.batchItemFailures.length;
    telemetry.metrics.addMetric('DispatchFailures', MetricUnit.Count, failed);
    telemetry.metrics.publishStoredMetrics();
    return response;
  };
}

/** The Lambda entry point. */
export const handler = createProcessorHandler();
