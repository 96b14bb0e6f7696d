export {
  type ConnectOutcome,
  type ConnectRequestContext,
  closeConnection,
  connectFromEvent,
  managementEndpointOf,
  type OpenConnectionInput,
  openConnection,
} from './connectionLifecycle';
export {
  CONNECTION_TTL_SECONDS,
  type ConnectionRecord,
  type ConnectionStore,
  InMemoryConnectionStore,
  newConnectionRecord,
} from './connectionStore';
export type { TableNameSource } from './dynamodb/documentClient';
export { DynamoDbConnectionStore } from './dynamodb/dynamoDbConnectionStore';
export { DynamoDbSubscriptionStore } from './dynamodb/dynamoDbSubscriptionStore';
export {
  DEFAULT_POST_RETRY,
  FramePostError,
  type FramePoster,
  FrameTooLargeError,
  ManagementApiFramePoster,
  type ManagementApiFramePosterOptions,
  type PostOutcome,
  type PostRetryPolicy,
} from './framePoster';
export {
  InMemorySubscriptionStore,
  newSubscriptionRecord,
  SUBSCRIPTION_TTL_SECONDS,
  type SubscriptionRecord,
  type SubscriptionStore,
} from './subscriptionStore';
