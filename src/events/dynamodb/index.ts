// The DynamoDB adapter lives behind its own entry point so that importing the
// port and event types (`src/events`) never pulls in the AWS SDK.

export type { DynamoDbEventStoreOptions } from './dynamoDbEventStore';
export { DynamoDbEventStore } from './dynamoDbEventStore';
export {
  eventsOfRecords,
  eventTypesOfRecord,
  firstRecordOfEachRequest,
  parseStreamRecord,
  recordsByRequest,
  requestKeysOf,
} from './streamRecord';
