/**
 * The lifecycle model at soak size: `npm run soak` (not part of `npm test`).
 *
 * Runs the kit's `checkLifecycle` over the project's model workflows and the
 * expense approval — ≥ 10,000 schedules on the in-memory store, then ≥ 100
 * on a DynamoDB Local it starts itself — and prints what it tried. A failure
 * prints the seed, the path and the shrunk schedule, and exits non-zero.
 *
 *   npm run soak -- --memory 10000 --dynamo 100 [--seed 42]
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { expenseApproval } from '../examples/expense-approval/workflows';
import { DynamoDbEventStore } from '../src/events/dynamodb';
import { startDynamoDbLocal } from '../src/local/dynamoDbLocal';
import { LOCAL_AWS } from '../src/local/localAws';
import { createTables } from '../src/tables/createTables';
import { tableNames } from '../src/tables/definitions';
import { type CheckLifecycleOptions, checkLifecycle } from '../src/testing';
import { type LifecycleCase, lifecycleCases } from './engine/support/lifecycleCases';
import { PrefixedStore } from './support/prefixedStore';

const argument = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`--${name} must be a number >= 0`);
  return value;
};
const memoryRuns = argument('memory', 10_000);
const dynamoRuns = argument('dynamo', 100);
const seed = process.argv.includes('--seed') ? argument('seed', 0) : undefined;

const cases: LifecycleCase[] = [
  ...lifecycleCases(),
  {
    name: 'expense_approval',
    workflow: expenseApproval,
    options: {
      inputs: [
        { employee: 'ann', amountCents: 12_500, receipts: ['rcpt-1', 'rcpt-2', 'rcpt-3'] },
        { employee: 'bob', amountCents: 99, receipts: ['not-a-receipt'] },
      ],
      signals: [{ type: 'approve', approver: 'carol' }],
    },
  },
];

interface Tally {
  schedules: number;
  requests: number;
  commands: number;
}

async function soak(
  label: string,
  total: number,
  extra: (name: string) => Partial<CheckLifecycleOptions<unknown>>,
): Promise<Tally> {
  const tally: Tally = { schedules: 0, requests: 0, commands: 0 };
  const started = performance.now();
  for (const { name, workflow, options } of cases) {
    const numRuns = Math.ceil(total / cases.length);
    const caseStart = performance.now();
    const report = await checkLifecycle(workflow, {
      ...options,
      ...extra(name),
      numRuns,
      ...(seed !== undefined ? { seed } : {}),
    });
    tally.schedules += report.numRuns;
    tally.requests += report.requests;
    tally.commands += report.commands;
    const seconds = ((performance.now() - caseStart) / 1000).toFixed(1);
    console.log(
      `${label.padEnd(15)} ${name.padEnd(17)} ${String(report.numRuns).padStart(6)} schedules ${String(report.requests).padStart(7)} requests ${String(report.commands).padStart(8)} commands  seed ${report.seed}  ${seconds} s`,
    );
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${label.padEnd(15)} ${'total'.padEnd(17)} ${String(tally.schedules).padStart(6)} schedules ${String(tally.requests).padStart(7)} requests ${String(tally.commands).padStart(8)} commands  ${seconds} s`,
  );
  return tally;
}

async function onDynamoDbLocal(total: number): Promise<Tally> {
  const ddb = await startDynamoDbLocal();
  try {
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, ...LOCAL_AWS });
    const tables = tableNames(`soak-${Date.now()}`);
    await createTables(client, tables);
    const table = new DynamoDbEventStore({ client, tableName: tables.requests });
    return await soak('DynamoDB Local', total, (name) => {
      let run = 0;
      return { store: () => new PrefixedStore(table, `${name}-${++run}-`), maxCommands: 15 };
    });
  } finally {
    await ddb.stop();
  }
}

const memory = memoryRuns > 0 ? await soak('in memory', memoryRuns, () => ({})) : undefined;
const dynamo = dynamoRuns > 0 ? await onDynamoDbLocal(dynamoRuns) : undefined;
console.log(
  `soak passed: ${memory?.schedules ?? 0} schedules in memory, ${dynamo?.schedules ?? 0} on DynamoDB Local; invariants 1–9 held after every command and every request settled`,
);
