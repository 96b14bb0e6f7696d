import { PRICES } from './prices';

/**
 * Pure pricing of measured unit counts: what one workflow used, per unit of
 * each service, and what a million of them cost at {@link PRICES}. No I/O:
 * the cost scenario measures, this prices.
 */

/** A Lambda function's use per workflow. */
export interface LambdaUse {
  readonly invocations: number;
  /** Billed duration (each invocation rounded up to the ms), ms per workflow. */
  readonly billedMs: number;
  readonly memoryMb: number;
}

/** Everything one Streamer workflow used, per workflow (averages over a measured run). */
export interface StreamerUsage {
  /** DynamoDB units by `read:<table>` / `write:<table>[/<index>]`, as DynamoDB reported them. */
  readonly capacity: Readonly<Record<string, number>>;
  /** Writes refused by their condition (billed at one unit each, which DynamoDB does not report). */
  readonly failedConditionalWrites: number;
  /** Stream reads by the Lambda triggers (free). */
  readonly streamReads: number;
  readonly lambdas: Readonly<Record<string, LambdaUse>>;
  /** WebSocket messages: the submit, its route response and every frame posted. */
  readonly messages: number;
  readonly connectionMinutes: number;
  readonly sqsRequests: number;
}

/** One priced line: units per workflow and dollars per million workflows. */
export interface CostLine {
  readonly item: string;
  readonly unitsPerWorkflow: number;
  readonly unit: string;
  readonly dollarsPerMillion: number;
}

const MILLION = 1e6;
const gbSeconds = (use: LambdaUse) => (use.billedMs / 1000) * (use.memoryMb / 1024);

function lambdaLines(name: string, use: LambdaUse, gbSecondPrice: number): CostLine[] {
  return [
    {
      item: `Lambda ${name}: invocations`,
      unitsPerWorkflow: use.invocations,
      unit: 'requests',
      dollarsPerMillion: use.invocations * PRICES.lambda.request * MILLION,
    },
    {
      item: `Lambda ${name}: duration (${use.memoryMb} MB)`,
      unitsPerWorkflow: gbSeconds(use),
      unit: 'GB-s',
      dollarsPerMillion: gbSeconds(use) * gbSecondPrice * MILLION,
    },
  ];
}

/** Streamer's bill per million workflows, line by line. */
export function streamerCost(usage: StreamerUsage): CostLine[] {
  const units = (kind: 'read' | 'write') =>
    Object.entries(usage.capacity)
      .filter(([key]) => key.startsWith(`${kind}:`))
      .reduce((sum, [, n]) => sum + n, 0);
  const writes = units('write') + usage.failedConditionalWrites;
  const reads = units('read');
  return [
    {
      item: 'DynamoDB write request units (tables and indexes)',
      unitsPerWorkflow: writes,
      unit: 'WRU',
      dollarsPerMillion: writes * PRICES.dynamoDb.writeRequestUnit * MILLION,
    },
    {
      item: 'DynamoDB read request units',
      unitsPerWorkflow: reads,
      unit: 'RRU',
      dollarsPerMillion: reads * PRICES.dynamoDb.readRequestUnit * MILLION,
    },
    {
      item: 'DynamoDB Streams reads by Lambda triggers (free)',
      unitsPerWorkflow: usage.streamReads,
      unit: 'GetRecords',
      dollarsPerMillion: 0,
    },
    ...Object.entries(usage.lambdas).flatMap(([name, use]) =>
      lambdaLines(name, use, PRICES.lambda.gbSecondArm64),
    ),
    {
      item: 'API Gateway WebSocket messages',
      unitsPerWorkflow: usage.messages,
      unit: 'messages',
      dollarsPerMillion: usage.messages * PRICES.apiGatewayWebSocket.message * MILLION,
    },
    {
      item: 'API Gateway connection minutes',
      unitsPerWorkflow: usage.connectionMinutes,
      unit: 'minutes',
      dollarsPerMillion:
        usage.connectionMinutes * PRICES.apiGatewayWebSocket.connectionMinute * MILLION,
    },
    {
      item: 'SQS requests',
      unitsPerWorkflow: usage.sqsRequests,
      unit: 'requests',
      dollarsPerMillion: usage.sqsRequests * PRICES.sqs.request * MILLION,
    },
  ];
}

/** The same workflow on another orchestrator: its steps and the time their work takes. */
export interface PeerWorkflow {
  readonly steps: number;
  /** Time the steps' own work takes, ms per step (the same code runs in any orchestrator's Lambda). */
  readonly stepWorkMs: readonly number[];
  readonly memoryMb: number;
}

/**
 * Step Functions Standard: one state transition per Task state, and one
 * Lambda invocation per task billed for its work (at least 1 ms).
 */
export function stepFunctionsCost(workflow: PeerWorkflow): CostLine[] {
  const billedMs = workflow.stepWorkMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0);
  return [
    {
      item: 'Step Functions Standard state transitions',
      unitsPerWorkflow: workflow.steps,
      unit: 'transitions',
      dollarsPerMillion: workflow.steps * PRICES.stepFunctionsStandard.stateTransition * MILLION,
    },
    ...lambdaLines(
      'task functions',
      { invocations: workflow.steps, billedMs, memoryMb: workflow.memoryMb },
      PRICES.lambda.gbSecondArm64,
    ),
  ];
}

/**
 * Lambda durable functions: one durable operation per step plus the
 * execution itself, one invocation (no waits) billed for the steps' work plus
 * the SDK's own time per step (measured in-process by the peer scenario:
 * the checkpoint API's latency in AWS comes on top), and the checkpoint data.
 */
export function durableFunctionsCost(
  workflow: PeerWorkflow,
  sdkMsPerStep: number,
  checkpointBytes: number,
): CostLine[] {
  const operations = workflow.steps + 1;
  const workMs = workflow.stepWorkMs.reduce((sum, ms) => sum + ms, 0);
  const billedMs = Math.ceil(workMs + workflow.steps * sdkMsPerStep);
  const gb = checkpointBytes / 2 ** 30;
  return [
    {
      item: 'Lambda durable operations (steps + the execution)',
      unitsPerWorkflow: operations,
      unit: 'operations',
      dollarsPerMillion: operations * PRICES.lambdaDurable.operation * MILLION,
    },
    {
      item: 'Lambda durable data written',
      unitsPerWorkflow: gb,
      unit: 'GB',
      dollarsPerMillion: gb * PRICES.lambdaDurable.dataWrittenGb * MILLION,
    },
    ...lambdaLines(
      'durable function',
      { invocations: 1, billedMs, memoryMb: workflow.memoryMb },
      PRICES.lambda.gbSecondArm64,
    ),
  ];
}

/** Dollars per million workflows over `lines`. */
export function total(lines: readonly CostLine[]): number {
  return lines.reduce((sum, line) => sum + line.dollarsPerMillion, 0);
}
