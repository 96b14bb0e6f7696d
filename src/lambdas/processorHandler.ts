import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { WorkflowRegistry } from '../engine';
import { type ProcessorDeps, processRequest } from '../processor/processRequest';
import { handleRecordsByRequest } from '../processor/streamBatch';
import { PROCESSOR_WAKE_UP_EVENTS } from '../processor/wakeUpEvents';
import { backendDeps } from './backendDeps';
import { engineLogger } from './engineLogger';
import { logRun, tenantOf } from './runTelemetry';

const wakeUpTypes = new Set<string>(PROCESSOR_WAKE_UP_EVENTS);
const wakesProcessor = (record: DynamoDBRecord) =>
  wakeUpTypes.has(record.dynamodb?.NewImage?.type?.S ?? '');

/**
 * The processor Lambda (requests table stream): each record is a wake-up for
 * its request, which is run as far as the invocation's time allows.
 * `deps` is a test seam; by default they are built from the environment.
 */
export function createProcessorHandler(registry: WorkflowRegistry, deps?: ProcessorDeps) {
  const logger = new Logger({
    serviceName: 'streamer',
    persistentKeys: { component: 'processor' },
  });
  const metrics = new Metrics({ namespace: 'Streamer', serviceName: 'streamer' });
  let resolved = deps;
  return async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
    resolved ??= backendDeps(registry, engineLogger(logger)).processor;
    const processor = resolved;
    const response = await handleRecordsByRequest(
      event.Records.filter(wakesProcessor),
      async (requestKey) => {
        const outcome = await processRequest(processor, requestKey, () =>
          context.getRemainingTimeInMillis(),
        );
        logRun(logger, metrics, requestKey, outcome);
      },
      (requestKey, error) =>
        logger.error('request run failed', {
          tenant_id: tenantOf(requestKey),
          request_key: requestKey,
          error,
        }),
    );
    metrics.addMetric('RunFailures', MetricUnit.Count, response.batchItemFailures.length);
    metrics.publishStoredMetrics();
    return response;
  };
}
