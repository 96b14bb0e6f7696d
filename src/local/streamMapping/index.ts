export {
  createDynamoDbStreamMapping,
  type DynamoDBStreamMappingHandler,
  type DynamoDbStreamMapping,
  type DynamoDbStreamMappingOptions,
  type StreamSource,
} from './dynamoDbStreamMapping';
export {
  type DiscardCondition,
  deliverFailureRecord,
  type SqsFailureDestination,
  type StreamFailureCallback,
  type StreamFailureDestination,
  type StreamFailureRecord,
} from './failureDestination';
export {
  type RecordSource,
  toLambdaAttributeValue,
  toLambdaImage,
  toLambdaRecord,
} from './lambdaStreamRecord';
export { type StreamsReader, streamsReaderFromClient } from './streamsReader';
