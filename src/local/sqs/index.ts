export {
  type LocalQueue,
  type LocalQueueDefinition,
  type LocalSqs,
  type LocalSqsOptions,
  type QueueRole,
  STREAMER_QUEUES,
  startLocalSqs,
} from './localSqs';
export {
  createSqsEventSourceMapping,
  type SqsEventSourceMapping,
  type SqsEventSourceMappingOptions,
  type SqsMappingHandler,
  toSqsRecord,
} from './sqsEventSourceMapping';
