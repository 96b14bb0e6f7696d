import {
  DescribeStreamCommand,
  type DescribeStreamInput,
  type DescribeStreamOutput,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsInput,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  type GetShardIteratorOutput,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * The three DynamoDB Streams calls the local event-source mapping makes. The
 * mapping talks to this port, so a test can drive shard lineage (which
 * DynamoDB Local only shows after its 4-hour shard rollover) with a fake.
 */
export interface StreamsReader {
  describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput>;
  getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput>;
  getRecords(input: GetRecordsInput): Promise<GetRecordsOutput>;
}

/** Adapts a real `DynamoDBStreamsClient` to {@link StreamsReader}. */
export function streamsReaderFromClient(client: DynamoDBStreamsClient): StreamsReader {
  return {
    describeStream: (input) => client.send(new DescribeStreamCommand(input)),
    getShardIterator: (input) => client.send(new GetShardIteratorCommand(input)),
    getRecords: (input) => client.send(new GetRecordsCommand(input)),
  };
}
