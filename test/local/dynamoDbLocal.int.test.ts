import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDbEventStore } from '../../src/events/dynamodb';
import { startDynamoDbLocal } from '../../src/local/dynamoDbLocal';
import { LOCAL_AWS } from '../../src/local/localAws';
import { createTables } from '../../src/tables/createTables';
import { tableNames } from '../../src/tables/definitions';

const dataDir = mkdtempSync(join(tmpdir(), 'streamer-persist-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('DynamoDB Local with a data directory (npm start --persist)', () => {
  it('keeps the event log across a stop and a start, given a relative path', async () => {
    const persistDir = relative(process.cwd(), dataDir);
    const tables = tableNames('persist');
    const event = {
      type: 'request.accepted',
      at: 1,
      tenantId: 'acme',
      userId: 'u',
      data: { action: 'echo_async' },
    };

    const first = await startDynamoDbLocal({ persistDir });
    const client = new DynamoDBClient({ endpoint: first.endpoint, ...LOCAL_AWS });
    await createTables(client, tables);
    await new DynamoDbEventStore({ client, tableName: tables.requests }).append('acme#r1', 0, [
      event,
    ]);
    client.destroy();
    await first.stop();

    const second = await startDynamoDbLocal({ persistDir });
    const again = new DynamoDBClient({ endpoint: second.endpoint, ...LOCAL_AWS });
    await createTables(again, tables); // idempotent: the tables are already there
    const log = await new DynamoDbEventStore({ client: again, tableName: tables.requests }).read(
      'acme#r1',
    );
    again.destroy();
    await second.stop();
    expect(log).toMatchObject([
      { seq: 1, type: 'request.accepted', data: { action: 'echo_async' } },
    ]);
  });
});
