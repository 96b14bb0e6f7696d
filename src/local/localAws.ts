/**
 * The one set of fake credentials and the region every local client uses.
 * DynamoDB Local partitions data by access key and region, so a client with
 * other credentials would see other (empty) tables.
 */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'streamerlocal', secretAccessKey: 'streamerlocal' },
} as const;
