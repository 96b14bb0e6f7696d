import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbEventStore } from '../events/dynamodb';
import { readStackInfo } from '../local/stackInfo';
import { loadWorkflowRegistry } from '../local/workflowModule';
import { DynamoDbRequestViewStore } from '../projections/dynamodb/requestViewStore';
import { SqsDeadLetterQueue } from '../queues/deadLetterQueue';
import { type RedriveReport, redriveDeadLetters } from '../queues/redrive';

/**
 * `streamer redrive [--workflows path/to/module.ts]`: restarts every
 * dead-lettered request. They are found in the request view's dead-letter
 * index (the record, which survives restarts and expired messages) and in
 * the dead-letter queue (whose messages are deleted once handled). With
 * REQUESTS_TABLE and REQUEST_VIEW_TABLE set (and DEAD_LETTER_QUEUE_URL, if
 * the queue should be drained too) it works on those (e.g. in AWS, with your
 * credentials); otherwise on the running local stack. The workflows replay
 * the logs: pass the module the engine was deployed with (default: the
 * demo workflows). With `json`, prints the report as JSON (`streamer runs
 * redrive --json`). Returns the exit code.
 */
export async function redrive(
  workflowsModule: string | undefined,
  options: { readonly json?: boolean } = {},
): Promise<number> {
  const env = process.env;
  const fromEnv = env.REQUESTS_TABLE && env.REQUEST_VIEW_TABLE;
  const local = fromEnv ? undefined : readStackInfo();
  const aws = local?.aws ?? {};
  const dynamo = new DynamoDBClient(local ? { endpoint: local.dynamoDbEndpoint, ...aws } : {});
  const sqs = new SQSClient(local ? { endpoint: local.sqsEndpoint, ...aws } : {});
  const queueUrl = local?.queueUrls.deadLetter ?? env.DEAD_LETTER_QUEUE_URL;
  try {
    const report = await redriveDeadLetters({
      views: new DynamoDbRequestViewStore({
        client: dynamo,
        tableName: local?.tables.requestView ?? String(env.REQUEST_VIEW_TABLE),
      }),
      ...(queueUrl && { queue: new SqsDeadLetterQueue({ sqs, queueUrl }) }),
      store: new DynamoDbEventStore({
        client: dynamo,
        tableName: local?.tables.requests ?? String(env.REQUESTS_TABLE),
      }),
      registry: await loadWorkflowRegistry(workflowsModule),
      clock: () => Date.now(),
      by: env.USER ? `cli:${env.USER}` : 'cli',
    });
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    return report.failed.length > 0 ? 1 : 0;
  } finally {
    dynamo.destroy();
    sqs.destroy();
  }
}

function printReport(report: RedriveReport): void {
  const { redriven, skipped, failed, found, messagesDeleted } = report;
  console.log(
    `Found ${found.index} dead-lettered request(s) in the request view and ${found.queue} in the queue.`,
  );
  console.log(
    `Redrove ${redriven.length} request(s)${redriven.length ? `: ${redriven.join(', ')}` : ''}; skipped ${skipped.length}; failed ${failed.length}; deleted ${messagesDeleted} queue message(s).`,
  );
  for (const { requestKey, reason } of skipped) console.log(`  skipped ${requestKey}: ${reason}`);
  for (const { requestKey, error } of failed) console.error(`  failed ${requestKey}: ${error}`);
}
