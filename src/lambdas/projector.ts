import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { eventsOfRecords } from '../events/dynamodb';
import { handleRecordsByRequest } from '../processor/streamBatch';
import { type ProjectorDeps, projectRequest } from '../projections/projector';
import { projectorDeps } from './backendDeps';
import { type Lazy, resolvedOnce } from './handlerDeps';
import { createTelemetry, MetricUnit, type Telemetry } from './telemetry';

/** What the projector handler needs. */
export interface ProjectorHandlerDeps {
  readonly projector: ProjectorDeps;
  readonly telemetry: Telemetry;
}

/** The projector's dependencies from the environment. */
export function projectorHandlerDeps(): ProjectorHandlerDeps {
  const telemetry = createTelemetry('projector');
  return { projector: projectorDeps(telemetry.logger), telemetry };
}

/**
 * The projector Lambda (the stream's second reader): folds each touched
 * request's new events (the ones its records carry, or the log's when they
 * leave a gap) into its view and pushes their frames to the request's
 * connection and subscribers.
 */
export function createProjectorHandler(deps: Lazy<ProjectorHandlerDeps> = projectorHandlerDeps) {
  const resolve = resolvedOnce(deps);
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { projector, telemetry } = resolve();
    let framesSent = 0;
    const response = await handleRecordsByRequest(
      event.Records,
      async (requestKey, records) => {
        const result = await projectRequest(projector, requestKey, eventsOfRecords(records));
        framesSent += result.framesSent;
      },
      (requestKey, error) =>
        telemetry.logger.error('projection failed', { request_key: requestKey, error }),
    );
    telemetry.metrics.addMetric('FramesSent', MetricUnit.Count, framesSent);
    telemetry.metrics.publishStoredMetrics();
    return response;
  };
}

/** The Lambda entry point. */
export const handler = createProjectorHandler();
