import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { toRequestKey } from '../events';
import { DynamoDbEventStore } from '../events/dynamodb';
import { readStackInfo } from '../local/stackInfo';
import { foldRequestView } from '../projections/requestView';

/**
 * `streamer events <request id> [tenant]`: prints a request's event log and
 * the view folded from it, from the running local stack. The tenant
 * defaults to the dev token's (`dev-tenant`). Returns the exit code.
 */
export async function printEvents(requestId: string, tenantId = 'dev-tenant'): Promise<number> {
  const stack = readStackInfo();
  const client = new DynamoDBClient({ endpoint: stack.dynamoDbEndpoint, ...stack.aws });
  const store = new DynamoDbEventStore({ client, tableName: stack.tables.requests });
  const events = await store.read(toRequestKey(tenantId, requestId));
  client.destroy();
  if (events.length === 0) {
    console.error(`No request ${requestId} in tenant ${tenantId}.`);
    return 1;
  }
  for (const event of events) {
    console.log(
      `${String(event.seq).padStart(4)}  ${new Date(event.at).toISOString()}  ${event.type.padEnd(22)}  ${JSON.stringify(event.data)}`,
    );
  }
  const view = foldRequestView(events);
  console.log(
    `\nView: ${view?.status}, ${view?.progress} %${view?.progressMessage ? ` (${view.progressMessage})` : ''}`,
  );
  return 0;
}
