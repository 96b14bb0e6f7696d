/**
 * The region of every local client, and the default fake credentials of a
 * shared DynamoDB Local (the test run's, the bench's). DynamoDB Local keeps
 * one database per access key and region, so a client with other credentials
 * sees other (empty) tables; a stack that starts its own DynamoDB Local uses
 * random credentials instead (`LocalStack.aws`).
 */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'streamerlocal', secretAccessKey: 'streamerlocal' },
} as const;
