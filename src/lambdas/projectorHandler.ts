import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { handleRecordsByRequest } from '../processor/streamBatch';
import { type ProjectorDeps, projectRequest } from '../projections/projector';
import { backendDeps } from './backendDeps';
import { engineLogger } from './engineLogger';
import { tenantOf } from './runTelemetry';

/**
 * The projector Lambda (the stream's second reader): folds each touched
 * request's new events into its view and pushes their frames to the
 * request's connection and subscribers. `deps` is a test seam.
 */
export function createProjectorHandler(registry: WorkflowRegistry, deps?: ProjectorDeps) {
  const logger = new Logger({
    serviceName: 'streamer',
    persistentKeys: { component: 'projector' },
  });
  const metrics = new Metrics({ namespace: 'Streamer', serviceName: 'streamer' });
  let resolved = deps;
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    resolved ??= backendDeps(registry, engineLogger(logger)).projector;
    const projector = resolved;
    const response = await handleRecordsByRequest(
      event.Records,
      async (requestKey) => {
        const result = await projectRequest(projector, requestKey);
        metrics.addMetric('FramesSent', MetricUnit.Count, result.framesSent);
      },
      (requestKey, error) =>
        logger.error('projection failed', {
          tenant_id: tenantOf(requestKey),
          request_key: requestKey,
          error,
        }),
    );
    metrics.publishStoredMetrics();
    return response;
  };
}
