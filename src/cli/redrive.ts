import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbEventStore } from '../events/dynamodb';
import { LOCAL_AWS } from '../local/localAws';
import { readStackInfo } from '../local/stackInfo';
import { loadWorkflowRegistry } from '../local/workflowModule';
import { SqsDeadLetterQueue } from '../queues/deadLetterQueue';
import { redriveDeadLetters } from '../queues/redrive';

/**
 * `streamer redrive [--workflows path/to/module.ts]`: restarts every request
 * in the dead-letter queue. With REQUESTS_TABLE and DEAD_LETTER_QUEUE_URL set
 * it works on those (e.g. in AWS, with your credentials); otherwise on the
 * running local stack. The workflows replay the logs: pass the module the
 * engine was deployed with (default: the demo workflows). Returns the exit code.
 */
export async function redrive(workflowsModule: string | undefined): Promise<number> {
  const fromEnv = process.env.REQUESTS_TABLE && process.env.DEAD_LETTER_QUEUE_URL;
  const local = fromEnv ? undefined : readStackInfo();
  const registry = await loadWorkflowRegistry(workflowsModule);
  const dynamo = new DynamoDBClient(
    local ? { endpoint: local.dynamoDbEndpoint, ...LOCAL_AWS } : {},
  );
  const sqs = new SQSClient(local ? { endpoint: local.sqsEndpoint, ...LOCAL_AWS } : {});
  const report = await redriveDeadLetters({
    queue: new SqsDeadLetterQueue({
      sqs,
      queueUrl: local?.queueUrls.deadLetter ?? String(process.env.DEAD_LETTER_QUEUE_URL),
    }),
    store: new DynamoDbEventStore({
      client: dynamo,
      tableName: local?.tables.requests ?? String(process.env.REQUESTS_TABLE),
    }),
    registry,
    clock: () => Date.now(),
    by: process.env.USER ? `cli:${process.env.USER}` : 'cli',
  });
  console.log(
    `Redrove ${report.redriven.length} request(s)${report.redriven.length ? `: ${report.redriven.join(', ')}` : ''}; skipped ${report.skipped.length}; failed ${report.failed.length}.`,
  );
  for (const { requestKey, reason } of report.skipped)
    console.log(`  skipped ${requestKey}: ${reason}`);
  for (const { requestKey, error } of report.failed)
    console.error(`  failed ${requestKey}: ${error}`);
  dynamo.destroy();
  sqs.destroy();
  return report.failed.length > 0 ? 1 : 0;
}
