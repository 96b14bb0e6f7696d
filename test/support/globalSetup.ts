import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../src/local/dynamoDbLocal';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the DynamoDB Local this test run started. */
    dynamoDbEndpoint: string;
  }
}

/** One DynamoDB Local per test run; every file makes its own tables in it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ddb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', ddb.endpoint);
  return () => ddb.stop();
}
