/**
 * How the event sources feed the functions — the same numbers for the CDK
 * app, the Pulumi component and the local stack's emulated mappings, so a
 * batch behaves locally as it does in AWS. (DESIGN §7: never Lambda's
 * 24-hour, shard-blocking stream defaults.)
 */

/** One stream mapping. */
export interface StreamMappingSettings {
  readonly batchSize: number;
  /** Retries of a failing batch (bisected each time) before it goes to the failed-events queue. */
  readonly retryAttempts: number;
  /** Records older than this go to the failed-events queue instead of blocking the shard. */
  readonly maxRecordAgeSeconds: number;
}

/** The runner's mapping onto the wake-up queue. */
export interface RunnerMappingSettings {
  /** One wake-up per invocation: a long run never holds another request's message. */
  readonly batchSize: number;
  /**
   * Runner invocations at once (SQS event source `maximumConcurrency`, and
   * the runner's reserved concurrency in AWS; locally, parallel invocations).
   */
  readonly maxConcurrency: number;
  /** After this many failed receives a wake-up goes to the queue's own dead-letter queue. */
  readonly maxReceives: number;
}

/** Every event-source mapping of the engine. */
export const EVENT_SOURCE_MAPPINGS: {
  /** The processor reads the log's stream and only dispatches wake-ups: cheap, so big batches. */
  readonly processor: StreamMappingSettings;
  /** The projector folds views and posts frames. */
  readonly projector: StreamMappingSettings;
  /**
   * Records of different requests are handled in parallel, each request's in
   * order (AWS only: the local mapping reads its one shard in order).
   */
  readonly parallelizationFactor: number;
  readonly runner: RunnerMappingSettings;
} = {
  processor: { batchSize: 100, retryAttempts: 5, maxRecordAgeSeconds: 3_600 },
  projector: { batchSize: 100, retryAttempts: 5, maxRecordAgeSeconds: 3_600 },
  parallelizationFactor: 10,
  runner: { batchSize: 1, maxConcurrency: 20, maxReceives: 10 },
};

/** AWS's guidance for SQS event sources: a visibility timeout of at least six times the consumer's timeout. */
export function visibilityTimeoutSeconds(consumerTimeoutSeconds: number): number {
  return consumerTimeoutSeconds * 6;
}
