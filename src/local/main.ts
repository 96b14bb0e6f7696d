import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables } from '../tables/createTables';
import { tableNames } from '../tables/definitions';
import { startDynamoDbLocal } from './dynamoDbLocal';
import { LOCAL_AWS } from './localAws';

// `npm start`: the local stack. Today it runs DynamoDB Local with Streamer's
// tables; the gateway, stream mappings and queues join it as they land.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const persistDir = process.argv.includes('--persist') ? '.streamer/dynamodb' : undefined;
const port = process.env.STREAMER_DYNAMODB_PORT
  ? Number(process.env.STREAMER_DYNAMODB_PORT)
  : undefined;

console.log('Starting DynamoDB Local…');
const ddb = await startDynamoDbLocal({ ...(port && { port }), ...(persistDir && { persistDir }) });
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping DynamoDB Local…');
  await ddb.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const client = new DynamoDBClient({ endpoint: ddb.endpoint, ...LOCAL_AWS });
  const names = tableNames('streamer-local');
  await createTables(client, names);
  client.destroy();
  console.log(
    `DynamoDB Local is ready at ${ddb.endpoint} (pid ${ddb.pid}, ${persistDir ? `data in ${persistDir}` : 'in memory'}).`,
  );
  console.log(`Tables: ${Object.values(names).join(', ')}`);
  console.log('Press Ctrl-C to stop.');
} catch (error) {
  console.error('Could not create the tables:', error);
  await stop(1);
}
